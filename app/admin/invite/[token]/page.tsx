// PUBLIC by design: the invitee has no session yet; the token in the URL is the credential (auth-walk test lists it).
import type { Metadata } from "next";
import { findLiveInvite } from "@/lib/admin/invites";
import { InviteAcceptForm } from "@/components/admin/accounts";

export const dynamic = "force-dynamic";
// The token is in the URL: never send it on as a Referer.
export const metadata: Metadata = { title: "设置密码", referrer: "no-referrer" };

type Props = { params: Promise<{ token: string }> };

export default async function InvitePage({ params }: Props) {
  const { token } = await params;
  const invite = await findLiveInvite(token);
  if (!invite) {
    return (
      <main>
        <div className="card signin">
          <h1>邀请链接已失效</h1>
          <p>链接已使用或已超过 72 小时。请联系店主重新邀请。</p>
        </div>
      </main>
    );
  }
  return (
    <main>
      <InviteAcceptForm token={token} username={invite.account.username} />
    </main>
  );
}
