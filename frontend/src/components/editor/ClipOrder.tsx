// The clips as a list, in play order: drag a row (the same drag as on the timeline), or move it
// with its ↑/↓ buttons; "Trim" selects it for the inspector.

import { formatSeconds, humanize } from "../../lib/format";
import type { Timeline } from "../../lib/types";
import type { ClipDrag } from "./clipDrag";
import { focusId, type MoveOrigin } from "./moveFocus";

interface Props {
  draft: Timeline;
  drag: ClipDrag;
  thumb(scene: number): string | undefined;
  purpose(scene: number): string | undefined;
  onMove(from: number, to: number, origin?: MoveOrigin): void;
  onSelect(index: number): void;
}

export function ClipOrder({ draft, drag, thumb, purpose, onMove, onSelect }: Props) {
  return (
    <section aria-labelledby="order-h" className="card">
      <h2 id="order-h">Clip order</h2>
      <p className="muted small">Drag a clip (here or on the timeline), or use its buttons.</p>
      <ol className="clip-order plain" data-testid="clip-order">
        {draft.clips.map((c, i) => {
          const image = thumb(c.scene_index);
          const what = purpose(c.scene_index);
          return (
            <li key={`${c.scene_index}-${i}`} className={`clip-row ${drag.isDropTarget(i) ? "drop-target" : ""}`} data-scene={c.scene_index} {...drag.dragProps(i)}>
              <span className="drag-handle" aria-hidden="true">
                ⋮⋮
              </span>
              {image ? <img src={image} alt="" className="clip-thumb" /> : <span className="clip-thumb" />}
              <span className="clip-name">
                <strong>
                  {i + 1}. Scene {c.scene_index}
                </strong>
                <span className="muted small">
                  {what ? `${humanize(what)} · ` : ""}
                  {formatSeconds(c.out_s - c.in_s, 2)}
                </span>
              </span>
              <span className="clip-buttons">
                <button type="button" className="icon" aria-label={`Move scene ${c.scene_index} earlier`} data-focus-id={focusId.order("earlier", i)} disabled={i === 0} onClick={() => onMove(i, i - 1, "order")}>
                  ↑
                </button>
                <button type="button" className="icon" aria-label={`Move scene ${c.scene_index} later`} data-focus-id={focusId.order("later", i)} disabled={i === draft.clips.length - 1} onClick={() => onMove(i, i + 1, "order")}>
                  ↓
                </button>
                <button type="button" className="secondary small" onClick={() => onSelect(i)}>
                  Trim<span className="visually-hidden"> scene {c.scene_index}</span>
                </button>
              </span>
            </li>
          );
        })}
      </ol>
    </section>
  );
}
