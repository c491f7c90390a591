// The multi-track timeline: a ruler that moves the playhead, the video clips (select, drag,
// Alt+arrows), the voice lines, the music bed, the text items and the compliance findings at
// their time ranges; findings about the whole ad are listed below it.

import type { KeyboardEvent, ReactNode } from "react";
import { clock, formatSeconds, humanize } from "../../lib/format";
import { packRows, placeRange } from "../../lib/timeline";
import type { Comment, ComplianceReport, Finding, Timeline } from "../../lib/types";
import { seekHandlers } from "../seek";
import type { ClipDrag } from "./clipDrag";
import { focusId, type MoveOrigin } from "./moveFocus";
import type { Selection } from "./Inspector";

interface Props {
  draft: Timeline;
  /** Each clip's start on the timeline, and the timeline's length. */
  starts: number[];
  total: number;
  playhead: number;
  selection: Selection;
  report: ComplianceReport | null;
  /** The open review comments of the newest version (pinned to its clock), and its number. */
  comments?: { version: number; items: Comment[] };
  drag: ClipDrag;
  thumb(scene: number): string | undefined;
  onSelect(selection: Selection): void;
  onSeek(seconds: number): void;
  onMove(from: number, to: number, origin?: MoveOrigin): void;
}

/** A finding with its index in the report (the selection refers to that). */
interface Indexed {
  f: Finding;
  i: number;
}

const timedOf = (findings: Finding[]): Indexed[] => findings.map((f, i) => ({ f, i })).filter(({ f }) => f.start_s !== null && f.end_s !== null);
/** How many rows a lane needs for its stacked items. */
const lanes = (rows: number[]) => Math.max(1, ...rows.map((r) => r + 1));
/** A timed finding's span, widened so a momentary one can still be clicked. */
const findingSpan = (f: Finding) => ({ start: f.start_s!, end: Math.max(f.end_s!, f.start_s! + 0.3) });

function findingLabel(f: Finding): string {
  const range = f.start_s !== null && f.end_s !== null ? `, ${f.start_s.toFixed(1)}–${f.end_s.toFixed(1)} s` : "";
  return `${f.severity} ${f.rule}${range}: ${f.message}`;
}

export function TimelineLanes({ draft, starts, total, playhead, selection, report, comments, drag, thumb, onSelect, onSeek, onMove }: Props) {
  const findings = report?.findings ?? [];
  const timed = timedOf(findings);
  const untimed = findings.filter((f) => f.start_s === null || f.end_s === null);
  return (
    <>
      <div className="tl" style={{ ["--tl-total" as string]: total }}>
        <Ruler total={total} playhead={playhead} onSeek={onSeek} />
        <VideoLane draft={draft} starts={starts} total={total} selection={selection} drag={drag} thumb={thumb} onSelect={onSelect} onMove={onMove} />
        <VoiceLane draft={draft} total={total} selection={selection} onSelect={onSelect} />
        <MusicLane draft={draft} />
        <TextLane draft={draft} total={total} selection={selection} onSelect={onSelect} />
        <FindingsLane report={report} timed={timed} total={total} selection={selection} onSelect={onSelect} onSeek={onSeek} />
        {comments && comments.items.length > 0 && <CommentsLane comments={comments} total={total} onSeek={onSeek} />}
        <div className="tl-playhead" aria-hidden="true" style={{ left: `calc(var(--tl-label) + (100% - var(--tl-label)) * ${total ? Math.min(1, playhead / total) : 0})` }} />
      </div>
      {untimed.length > 0 && (
        <details className="untimed">
          <summary>
            {untimed.length} finding{untimed.length === 1 ? "" : "s"} about the whole ad
          </summary>
          <ul>
            {untimed.map((f, i) => (
              <li key={i} className={`sev-${f.severity}`}>
                <strong>
                  {f.severity} {f.rule}
                </strong>
                : {f.message}
              </li>
            ))}
          </ul>
        </details>
      )}
    </>
  );
}

/** One track of the timeline: its label, then its lane (which the label names). */
function Row({ id, label, children }: { id: string; label: string; children: ReactNode }) {
  return (
    <div className="tl-row">
      <span className="tl-label" id={id}>
        {label}
      </span>
      {children}
    </div>
  );
}

function Ruler({ total, playhead, onSeek }: { total: number; playhead: number; onSeek(seconds: number): void }) {
  const tick = total > 45 ? 5 : total > 20 ? 2 : 1;
  return (
    <div className="tl-row tl-ruler-row">
      <span className="tl-label" aria-hidden="true">
        Time
      </span>
      <div
        className="tl-lane tl-ruler"
        role="slider"
        tabIndex={0}
        aria-label="Playhead"
        aria-valuemin={0}
        aria-valuemax={Math.round(total * 10) / 10}
        aria-valuenow={Math.round(playhead * 10) / 10}
        aria-valuetext={clock(playhead)}
        {...seekHandlers(total, playhead, onSeek)}
      >
        {Array.from({ length: Math.floor(total / tick) + 1 }, (_, k) => k * tick).map((t) => (
          <span key={t} className="tl-tick" style={{ left: `${(t / total) * 100}%` }} aria-hidden="true">
            {t}s
          </span>
        ))}
      </div>
    </div>
  );
}

function VideoLane({
  draft,
  starts,
  total,
  selection,
  drag,
  thumb,
  onSelect,
  onMove,
}: Pick<Props, "draft" | "starts" | "total" | "selection" | "drag" | "thumb" | "onSelect" | "onMove">) {
  const onClipKey = (e: KeyboardEvent, i: number) => {
    if (e.altKey && (e.key === "ArrowLeft" || e.key === "ArrowUp")) {
      e.preventDefault();
      onMove(i, i - 1, "lane");
    } else if (e.altKey && (e.key === "ArrowRight" || e.key === "ArrowDown")) {
      e.preventDefault();
      onMove(i, i + 1, "lane");
    }
  };
  return (
    <Row id="lane-video" label="Video">
      <ol className="tl-lane tl-video" aria-labelledby="lane-video">
        {draft.clips.map((c, i) => {
          const pos = placeRange(starts[i], starts[i] + c.out_s - c.in_s, total);
          const selected = selection?.kind === "clip" && selection.index === i;
          const image = thumb(c.scene_index);
          return (
            <li
              key={`${c.scene_index}-${i}`}
              className={`tl-item tl-clip ${selected ? "selected" : ""} ${drag.isDropTarget(i) ? "drop-target" : ""}`}
              style={{ left: `${pos.left}%`, width: `${pos.width}%` }}
              data-scene={c.scene_index}
              data-testid={`clip-${i}`}
              {...drag.dragProps(i)}
            >
              <button
                type="button"
                className="tl-clip-btn"
                data-focus-id={focusId.lane(i)}
                aria-pressed={selected}
                aria-label={`Scene ${c.scene_index}, position ${i + 1}, ${formatSeconds(c.out_s - c.in_s, 2)}. Alt+arrow keys move it.`}
                onClick={() => onSelect({ kind: "clip", index: i })}
                onKeyDown={(e) => onClipKey(e, i)}
                style={image ? { backgroundImage: `url("${image}")` } : undefined}
              >
                <span className="tl-clip-label">S{c.scene_index}</span>
                {c.transition === "dissolve" && <span className="tl-dissolve" title={`dissolve ${c.transition_s} s`} aria-hidden="true" />}
              </button>
            </li>
          );
        })}
      </ol>
    </Row>
  );
}

function VoiceLane({ draft, total, selection, onSelect }: Pick<Props, "draft" | "total" | "selection" | "onSelect">) {
  const rows = packRows(draft.voice.map((v) => ({ start: v.start_s, end: v.start_s + v.duration_s })));
  return (
    <Row id="lane-voice" label="Voice">
      <ol className="tl-lane tl-voice" aria-labelledby="lane-voice" style={{ ["--rows" as string]: lanes(rows) }}>
        {draft.voice.map((v, i) => {
          const pos = placeRange(v.start_s, v.start_s + v.duration_s, total);
          return (
            <li key={i} className={`tl-item tl-voice-line ${v.major_statement ? "major" : ""} ${selection?.kind === "voice" && selection.index === i ? "selected" : ""}`} style={{ left: `${pos.left}%`, width: `${pos.width}%`, ["--row" as string]: rows[i] }} title={v.text}>
              <button type="button" aria-pressed={selection?.kind === "voice" && selection.index === i} onClick={() => onSelect({ kind: "voice", index: i })}>
                <span className="visually-hidden">
                  Voice line {i + 1}, {clock(v.start_s)} to {clock(v.start_s + v.duration_s)}
                  {v.major_statement ? ", major statement" : ""}:{" "}
                </span>
                {v.text}
              </button>
            </li>
          );
        })}
      </ol>
    </Row>
  );
}

function MusicLane({ draft }: Pick<Props, "draft">) {
  return (
    <Row id="lane-music" label="Music">
      <div className="tl-lane tl-music" aria-labelledby="lane-music">
        {draft.music ? (
          <div className="tl-item tl-music-bed" style={{ left: 0, width: "100%" }}>
            {draft.music.gain_db} dB, ducks {draft.music.duck_db} dB under speech
          </div>
        ) : (
          <span className="muted small">no music</span>
        )}
      </div>
    </Row>
  );
}

function TextLane({ draft, total, selection, onSelect }: Pick<Props, "draft" | "total" | "selection" | "onSelect">) {
  const rows = packRows(draft.texts.map((t) => ({ start: t.start_s, end: t.end_s })));
  return (
    <Row id="lane-text" label="Text">
      <ol className="tl-lane tl-text" aria-labelledby="lane-text" style={{ ["--rows" as string]: lanes(rows) }}>
        {draft.texts.map((t, i) => {
          const pos = placeRange(t.start_s, t.end_s, total);
          const selected = selection?.kind === "text" && selection.index === i;
          return (
            <li key={i} className={`tl-item tl-text-item kind-${t.kind} ${selected ? "selected" : ""}`} style={{ left: `${pos.left}%`, width: `${pos.width}%`, ["--row" as string]: rows[i] }}>
              <button type="button" aria-pressed={selected} onClick={() => onSelect({ kind: "text", index: i })} title={t.text}>
                <span className="visually-hidden">
                  {humanize(t.kind)}, {clock(t.start_s)} to {clock(t.end_s)}:{" "}
                </span>
                {t.text}
              </button>
            </li>
          );
        })}
      </ol>
    </Row>
  );
}

function CommentsLane({ comments, total, onSeek }: { comments: NonNullable<Props["comments"]>; total: number; onSeek(s: number): void }) {
  const spans = comments.items.map((c) => ({ start: c.at_s, end: Math.max(c.end_s ?? c.at_s, c.at_s + 0.3) }));
  const rows = packRows(spans);
  return (
    <Row id="lane-comments" label={`Comments (v${comments.version})`}>
      <ol className="tl-lane tl-findings" aria-labelledby="lane-comments" style={{ ["--rows" as string]: lanes(rows) }} data-testid="comments-lane">
        {comments.items.map((c, k) => {
          const pos = placeRange(spans[k].start, spans[k].end, total);
          return (
            <li key={c.comment_id} className="tl-item tl-finding tl-comment" style={{ left: `${pos.left}%`, width: `${pos.width}%`, ["--row" as string]: rows[k] }}>
              <button type="button" title={c.text} aria-label={`Comment by ${c.author_name} at ${clock(c.at_s)}: ${c.text}`} onClick={() => onSeek(c.at_s)}>
                {c.author_name}
              </button>
            </li>
          );
        })}
      </ol>
    </Row>
  );
}

function FindingsLane({
  report,
  timed,
  total,
  selection,
  onSelect,
  onSeek,
}: Pick<Props, "report" | "total" | "selection" | "onSelect" | "onSeek"> & { timed: Indexed[] }) {
  const rows = packRows(timed.map(({ f }) => findingSpan(f)));
  return (
    <Row id="lane-findings" label={`Findings${report?.version ? ` (v${report.version})` : ""}`}>
      <ol className="tl-lane tl-findings" aria-labelledby="lane-findings" style={{ ["--rows" as string]: lanes(rows) }} data-testid="findings-lane">
        {timed.map(({ f, i }, k) => {
          const span = findingSpan(f);
          const pos = placeRange(span.start, span.end, total);
          const selected = selection?.kind === "finding" && selection.index === i;
          return (
            <li key={i} className={`tl-item tl-finding sev-${f.severity} ${selected ? "selected" : ""}`} style={{ left: `${pos.left}%`, width: `${pos.width}%`, ["--row" as string]: rows[k] }}>
              <button
                type="button"
                aria-pressed={selected}
                aria-label={findingLabel(f)}
                title={f.message}
                onClick={() => {
                  onSelect({ kind: "finding", index: i });
                  onSeek(f.start_s!);
                }}
              >
                {f.rule}
              </button>
            </li>
          );
        })}
        {timed.length === 0 && <li className="muted small tl-empty">{report ? "no timed findings" : "no report yet"}</li>}
      </ol>
    </Row>
  );
}
