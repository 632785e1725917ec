// Placeholder replaced once lib/accounts/totp.ts lands (second factor at sign-in).
export async function checkSecondFactor(_account: { id: string }, _code: string | undefined): Promise<boolean> {
  return false;
}
