// npm run admin:create -- --username boss --role OWNER — creates a back-office account and prints its
// one-time invite link (72 hours, single use). Needs DATABASE_URL and APP_BASE_URL (the link's origin).
import { ADMIN_CREATE_USAGE, adminCreate } from "../admin/admin-create";
import { prisma } from "../db";

try {
  const { username, inviteUrl } = await adminCreate(process.argv.slice(2));
  console.log(`account ${username} created. One-time invite link (72 h, single use — send it to that person only):`);
  console.log(inviteUrl);
} catch (e) {
  console.error(`error: ${(e as Error).message}`);
  console.error(ADMIN_CREATE_USAGE);
  process.exitCode = 2;
} finally {
  await prisma.$disconnect();
}
