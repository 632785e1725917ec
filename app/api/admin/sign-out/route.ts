// PUBLIC by design (it only clears the cookie): listed in tests/unit/admin/auth-walk.test.ts.
import { handleSignOut } from "@/lib/admin/sign-in";

export const POST = handleSignOut;
