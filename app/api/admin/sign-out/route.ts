// PUBLIC by design (it clears the cookie; only a genuine session is revoked): listed in tests/unit/admin/auth-walk.test.ts.
import { handleSignOut } from "@/lib/admin/sign-in";

export const POST = handleSignOut;
