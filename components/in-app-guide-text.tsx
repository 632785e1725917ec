// The guide's words, rendered on the server (no client JS): title, why, and the steps.
import type { GuideText } from "@/lib/in-app/open-in-browser";

export function GuideWords({ text }: { text: GuideText }) {
  return (
    <>
      <h2 id="inapp-title">{text.title}</h2>
      <p id="inapp-lead">{text.lead}</p>
      <ol className="inapp-steps">
        {text.steps.map((s) => (
          <li key={s}>{s}</li>
        ))}
      </ol>
    </>
  );
}
