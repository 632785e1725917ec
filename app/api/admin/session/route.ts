// PUBLIC by design (the sign-in form posts here): listed in tests/unit/admin/auth-walk.test.ts.
import { handleSignIn } from "@/lib/admin/sign-in";

export const POST = handleSignIn;
