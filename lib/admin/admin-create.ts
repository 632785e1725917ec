// `npm run admin:create -- --username boss --role OWNER [--display-name 老板] [--store chayu …] [--can-refund]
// [--refund-limit 200.00]`: creates an account from the shell and answers its one-time invite link. The way
// in for the first owner (and for an owner locked out of every account, next to the break-glass token).
import { parseArgs } from "node:util";
import { AppError } from "@/lib/errors";
import { yuanEntryToFen } from "@/lib/money";
import { AccountCreateSchema, createAccountAs } from "./accounts";

export const ADMIN_CREATE_USAGE =
  "usage: npm run admin:create -- --username <name> --role OWNER|OPERATOR|STORE_STAFF [--display-name <text>] [--store <id>]… [--can-refund] [--refund-limit <yuan>]";

/** Parses the arguments and creates the account; throws AppError INVALID_REQUEST naming the bad option. */
export async function adminCreate(argv: string[]): Promise<{ username: string; inviteUrl: string }> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        username: { type: "string" },
        role: { type: "string" },
        "display-name": { type: "string" },
        store: { type: "string", multiple: true },
        "can-refund": { type: "boolean" },
        "refund-limit": { type: "string" },
      },
    }));
  } catch (e) {
    throw new AppError("INVALID_REQUEST", (e as Error).message);
  }
  const parsed = AccountCreateSchema.safeParse({
    username: values.username,
    displayName: values["display-name"] ?? values.username,
    role: values.role,
    ...(values.store ? { storeIds: values.store } : {}),
    ...(values["can-refund"] ? { canRefund: true } : {}),
    ...(values["refund-limit"] ? { refundLimitFen: yuanEntryToFen(values["refund-limit"], 100_000_000) } : {}),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AppError("INVALID_REQUEST", `--${String(issue.path[0] ?? "")}: ${issue.message}`, { field: String(issue.path[0] ?? "") });
  }
  const { account, inviteUrl } = await createAccountAs("cli:admin-create", parsed.data);
  return { username: account.username, inviteUrl };
}
