// npm run doctor [-- --live] [-- --cert apiclient_cert.pem] [-- --problems-only]
// Checks this deployment's configuration (lib/ops/doctor.ts) and prints each problem with the setting, what
// is wrong and how to fix it. Exit 1 when there is any error, 0 otherwise (warnings allowed), 2 on bad usage.
import { rawEnvironment } from "@/lib/env";
import { formatReport } from "@/lib/ops/doctor-checks";
import { runDoctor } from "@/lib/ops/doctor";

const USAGE = "usage: npm run doctor [-- --live] [--cert apiclient_cert.pem] [--problems-only]";

async function main(argv: string[]): Promise<number> {
  let live = false;
  let certFile: string | undefined;
  let problemsOnly = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--live") live = true;
    else if (a === "--problems-only") problemsOnly = true;
    else if (a === "--cert" && argv[i + 1]) certFile = argv[++i];
    else if (a.startsWith("--cert=")) certFile = a.slice("--cert=".length);
    else {
      process.stderr.write(`${a === "--help" || a === "-h" ? "" : `unknown argument ${a}\n`}${USAGE}\n`);
      return a === "--help" || a === "-h" ? 0 : 2;
    }
  }
  const { findings, exitCode } = await runDoctor({ env: rawEnvironment(), live, certFile });
  process.stdout.write(`${formatReport(findings, { showOk: !problemsOnly })}\n`);
  if (!live)
    process.stdout.write("(offline checks only: add --live to prove the keys with one signed read at WeChat Pay, and the clock)\n");
  return exitCode;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`doctor failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
