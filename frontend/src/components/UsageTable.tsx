// A job's cost and provenance per model: which model made what, how many billed calls, for how
// much. The server sums the calls (Job.usage_by_model, the same lines `omnigen show` prints); this
// only lays them out. One job's video takes may be on two models (the configured one and its
// end-frame companion), so one "Cost" figure alone does not say where the money went.

import { formatUsd, humanize } from "../lib/format";
import type { ModelUsage } from "../lib/types";

/** A model's `owner/name` that a narrow cell may wrap after its slash first. */
function Breakable({ name }: { name: string }) {
  const [owner, ...rest] = name.split("/");
  if (rest.length === 0) return <>{name}</>;
  return (
    <>
      {owner}/<wbr />
      {rest.join("/")}
    </>
  );
}

export function UsageTable({ usage, total, caption = "Cost by model" }: { usage: ModelUsage[]; total: number; caption?: string }) {
  if (usage.length === 0) return null;
  return (
    <table className="usage" data-testid="usage">
      <caption>
        {caption} <span className="muted">(total {formatUsd(total)})</span>
      </caption>
      <thead>
        <tr>
          <th scope="col">For</th>
          <th scope="col">Model</th>
          <th scope="col" className="num">
            Calls
          </th>
          <th scope="col" className="num">
            Cost
          </th>
        </tr>
      </thead>
      <tbody>
        {usage.map((u) => (
          <tr key={`${u.capability}\u0000${u.model}`}>
            <th scope="row">{humanize(u.capability)}</th>
            <td className="usage-model">{u.model ? <Breakable name={u.model} /> : "unknown"}</td>
            <td className="num">{u.calls}</td>
            <td className="num">{formatUsd(u.cost_usd)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
