// Imported once by instrumentation.ts in the Node.js runtime: a bad or missing variable stops the
// server with one line naming it, before any request is served.
import { ConfigError, env } from "./env";

try {
  env();
} catch (e) {
  if (!(e instanceof ConfigError)) throw e;
  console.error(e.message);
  process.exit(1);
}
