// An owner for tests that call back-office lib functions directly (the routes get theirs from the session).
import { breakGlassActor, type AdminActor } from "@/lib/admin/scope";

export const TEST_OWNER: AdminActor = breakGlassActor("testsess");
