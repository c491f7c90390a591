// The inspector: the selected clip (trim within its source, length, transition, move, duplicate,
// delete), text item (words, times, position, delete) or compliance finding (rule, where, why).

import { TextField } from "../ui";
import { ruleName } from "../../lib/compliance";
import { clock, formatSeconds, humanize } from "../../lib/format";
import { setTransition, trimClip, updateText } from "../../lib/timeline";
import type { ReactNode } from "react";
import type { Finding, TextItem, Timeline, VoiceLine } from "../../lib/types";
import { LengthField } from "./LengthField";
import { focusId, type MoveOrigin } from "./moveFocus";

export type Selection = { kind: "clip"; index: number } | { kind: "text"; index: number } | { kind: "voice"; index: number } | { kind: "finding"; index: number } | null;

/** An input's number, NaN for an empty field (so a half-typed value changes nothing). */
const num = (v: string) => (v.trim() === "" ? NaN : Number(v));

/** A time in seconds, to a tenth; `onValue` gets NaN while the field is empty. */
function SecondsField({ path, label, min, max, value, onValue }: { path: string; label: string; min: number; max?: number; value: number; onValue(seconds: number): void }) {
  return <TextField path={path} label={label} type="number" step={0.1} min={min} max={max} value={value} onChange={(e) => onValue(num(e.target.value))} />;
}

interface Props {
  selection: Selection;
  draft: Timeline;
  findings: Finding[];
  /** Each clip's start on the timeline. */
  starts: number[];
  /** How long a scene's source clip is (the most a trim can play). */
  sceneLength(scene: number, loadedOut: number): number;
  purpose(scene: number): string | undefined;
  onChange(next: Timeline): void;
  onMove(from: number, to: number, origin?: MoveOrigin): void;
  /** Edits that change what is selected; each returns why it cannot apply, or null. */
  edits: ItemEdits;
  /** What the selected clip's scene can do beyond the draft (regenerate it, choose a take). */
  sceneTools?(scene: number): ReactNode;
}

export interface ItemEdits {
  deleteClip(index: number): string | null;
  duplicateClip(index: number): string | null;
  setClipLength(index: number, seconds: number): string | null;
  deleteText(index: number): string | null;
}

/** The `data-focus-id`s of the inspector's edit controls (focused after an edit redraws it). */
export const editFocus = { textBody: "text-body", deleteClip: "inspector-delete-clip" };

export function Inspector({ selection, draft, findings, starts, sceneLength, purpose, onChange, onMove, edits, sceneTools }: Props) {
  const clip = selection?.kind === "clip" ? draft.clips[selection.index] : undefined;
  const text = selection?.kind === "text" ? draft.texts[selection.index] : undefined;
  const voice = selection?.kind === "voice" ? draft.voice[selection.index] : undefined;
  const finding = selection?.kind === "finding" ? findings[selection.index] : undefined;
  return (
    <section aria-labelledby="inspector-h" className="card inspector">
      <h2 id="inspector-h">Inspector</h2>
      {!selection && <p className="muted">Select a clip, a text item or a finding on the timeline.</p>}
      {clip && selection && (
        <ClipInspector
          index={selection.index}
          draft={draft}
          start={starts[selection.index] ?? 0}
          length={sceneLength(clip.scene_index, clip.out_s)}
          purpose={purpose(clip.scene_index)}
          onChange={onChange}
          onMove={onMove}
          edits={edits}
        />
      )}
      {clip && sceneTools?.(clip.scene_index)}
      {text && selection && <TextInspector index={selection.index} item={text} draft={draft} onChange={onChange} onDelete={() => edits.deleteText(selection.index)} />}
      {voice && selection && <VoiceInspector index={selection.index} line={voice} draft={draft} onChange={onChange} />}
      {finding && <FindingDetail finding={finding} />}
    </section>
  );
}

function ClipInspector({
  index,
  draft,
  start,
  length,
  purpose,
  onChange,
  onMove,
  edits,
}: {
  index: number;
  draft: Timeline;
  start: number;
  length: number;
  purpose: string | undefined;
  onChange(next: Timeline): void;
  onMove(from: number, to: number, origin?: MoveOrigin): void;
  edits: ItemEdits;
}) {
  const clip = draft.clips[index];
  const only = draft.clips.length === 1;
  return (
    <div className="clip-inspector" data-testid="clip-inspector">
      <h3>
        Scene {clip.scene_index}
        {purpose && <span className="muted"> · {humanize(purpose)}</span>}
      </h3>
      <p className="muted small">
        Position {index + 1} of {draft.clips.length}, starts at {clock(start)}
      </p>
      <div className="row">
        <SecondsField path="trim-in" label="In (s)" min={0} value={clip.in_s} onValue={(v) => onChange(trimClip(draft, index, v, clip.out_s, length).timeline)} />
        <SecondsField path="trim-out" label="Out (s)" min={0.25} max={length} value={clip.out_s} onValue={(v) => onChange(trimClip(draft, index, clip.in_s, v, length).timeline)} />
      </div>
      <p className="muted small">
        Plays {formatSeconds(clip.out_s - clip.in_s, 2)} of {formatSeconds(length, 2)}.{" "}
        <button type="button" className="link" onClick={() => onChange(trimClip(draft, index, 0, length).timeline)}>
          Use the whole clip
        </button>
      </p>
      <LengthField scene={clip.scene_index} seconds={clip.out_s - clip.in_s} onLength={(v) => edits.setClipLength(index, v)} />
      <div className="row">
        <div className="field">
          <label htmlFor="transition">Transition in</label>
          <select
            id="transition"
            value={clip.transition}
            disabled={index === 0}
            onChange={(e) => onChange(setTransition(draft, index, e.target.value as "cut" | "dissolve", clip.transition_s || 0.5))}
          >
            <option value="cut">Cut</option>
            <option value="dissolve">Dissolve</option>
          </select>
        </div>
        {clip.transition === "dissolve" && (
          <SecondsField path="transition-s" label="Dissolve (s)" min={0.1} max={2} value={clip.transition_s} onValue={(v) => onChange(setTransition(draft, index, "dissolve", v || 0.1))} />
        )}
      </div>
      <div className="actions">
        <button type="button" className="secondary" data-focus-id={focusId.inspector("earlier")} disabled={index === 0} onClick={() => onMove(index, index - 1, "inspector")}>
          Move earlier
        </button>
        <button type="button" className="secondary" data-focus-id={focusId.inspector("later")} disabled={index === draft.clips.length - 1} onClick={() => onMove(index, index + 1, "inspector")}>
          Move later
        </button>
        <button type="button" className="secondary" onClick={() => edits.duplicateClip(index)}>
          Duplicate clip
        </button>
        <button
          type="button"
          className="danger"
          data-focus-id={editFocus.deleteClip}
          disabled={only}
          aria-describedby={only ? "delete-clip-why" : undefined}
          onClick={() => edits.deleteClip(index)}
        >
          Delete clip
        </button>
      </div>
      {only && (
        <p className="muted small" id="delete-clip-why">
          The only clip cannot be deleted: an ad needs at least one.
        </p>
      )}
    </div>
  );
}

function TextInspector({ index, item, draft, onChange, onDelete }: { index: number; item: TextItem; draft: Timeline; onChange(next: Timeline): void; onDelete(): void }) {
  const patch = (p: Partial<TextItem>) => onChange(updateText(draft, index, p));
  return (
    <div className="text-inspector">
      <h3>{humanize(item.kind)}</h3>
      {item.kind === "major_statement" && (
        <p className="muted small">The major statement must match what is spoken and start and end with it (MS-DUAL-MODALITY).</p>
      )}
      <div className="field">
        <label htmlFor="text-body">Text</label>
        <textarea id="text-body" data-focus-id={editFocus.textBody} rows={3} maxLength={600} value={item.text} onChange={(e) => patch({ text: e.target.value })} />
      </div>
      <div className="row">
        <SecondsField path="text-start" label="Start (s)" min={0} value={item.start_s} onValue={(v) => Number.isFinite(v) && patch({ start_s: Math.max(0, v) })} />
        <SecondsField path="text-end" label="End (s)" min={0.1} value={item.end_s} onValue={(v) => Number.isFinite(v) && patch({ end_s: v })} />
        <div className="field">
          <label htmlFor="text-pos">Position</label>
          <select id="text-pos" value={item.position} onChange={(e) => patch({ position: e.target.value as TextItem["position"] })}>
            <option value="lower_third">Lower third</option>
            <option value="center">Center</option>
            <option value="top">Top</option>
          </select>
        </div>
      </div>
      <div className="actions">
        <button type="button" className="danger" onClick={onDelete}>
          Delete this text
        </button>
      </div>
      {item.kind === "major_statement" && <p className="muted small">Deleting the major statement's text breaks MS-DUAL-MODALITY: the draft check will say so.</p>}
    </div>
  );
}

/** A voiceover line's words: changed here, only this line is re-voiced at the next compose. */
function VoiceInspector({ index, line, draft, onChange }: { index: number; line: VoiceLine; draft: Timeline; onChange(next: Timeline): void }) {
  return (
    <div className="voice-inspector">
      <h3>
        Voice line {index + 1}
        {line.major_statement && <span className="muted"> · major statement</span>}
      </h3>
      <p className="muted small">
        {clock(line.start_s)}–{clock(line.start_s + line.duration_s)}. Change the words and only this line is spoken again at the next compose.
        {line.major_statement && " The major statement's text on screen must still match it."}
      </p>
      <div className="field">
        <label htmlFor="voice-text">Words spoken</label>
        <textarea id="voice-text" rows={3} maxLength={600} value={line.text} onChange={(e) => onChange({ ...draft, voice: draft.voice.map((v, i) => (i === index ? { ...v, text: e.target.value } : v)) })} />
      </div>
    </div>
  );
}

function FindingDetail({ finding: f }: { finding: Finding }) {
  return (
    <div className={`finding-detail sev-${f.severity}`}>
      <h3>
        {humanize(f.severity)} · rule {f.rule}
      </h3>
      <p className="muted small">{ruleName(f.rule)}</p>
      <p>{f.message}</p>
      <p className="muted small">
        {f.scene ? `Scene ${f.scene} · ` : ""}
        {f.start_s !== null && f.end_s !== null ? `${clock(f.start_s)}–${clock(f.end_s)}` : "whole ad"}
        {f.source ? ` · ${f.source}` : ""}
      </p>
    </div>
  );
}
