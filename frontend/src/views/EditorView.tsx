// Workspace: a multi-track editor of the job's timeline — video clips (reorder by drag and drop
// or buttons, trim, transitions), the voice track, the music bed (gain, duck, fades), the text
// track — with the compliance findings drawn at their time ranges, a preview player, and
// save → re-compose → a new version beside the old.

import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent, type KeyboardEvent } from "react";
import { Notice, StatusBadge, TextField, ViewHeading } from "../components/ui";
import { ApiError } from "../lib/api";
import { ruleName } from "../lib/compliance";
import { expiredOrSoon } from "../lib/expiry";
import { clock, formatSeconds, humanize } from "../lib/format";
import { useJob } from "../lib/hooks";
import { href } from "../lib/router";
import { useServices } from "../lib/services";
import {
  clipStarts,
  moveClip,
  packRows,
  placeRange,
  sameTimeline,
  setTransition,
  timelineDuration,
  trimClip,
  updateMusic,
  updateText,
} from "../lib/timeline";
import type { ComplianceReport, Finding, Job, Script, TextItem, Timeline } from "../lib/types";

type Selection = { kind: "clip"; index: number } | { kind: "text"; index: number } | { kind: "finding"; index: number } | null;

interface Version {
  version: number;
  url: string;
  poster?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const num = (v: string) => (v.trim() === "" ? NaN : Number(v));

function findingLabel(f: Finding): string {
  const range = f.start_s !== null && f.end_s !== null ? `, ${f.start_s.toFixed(1)}–${f.end_s.toFixed(1)} s` : "";
  return `${f.severity} ${f.rule}${range}: ${f.message}`;
}

function useHistory(initial: Timeline | null) {
  const [state, setState] = useState<{ past: Timeline[]; present: Timeline | null; future: Timeline[] }>({ past: [], present: initial, future: [] });
  const set = useCallback((next: Timeline | ((t: Timeline) => Timeline)) => {
    setState((s) => {
      if (!s.present) return s;
      const value = typeof next === "function" ? next(s.present) : next;
      if (value === s.present) return s;
      return { past: [...s.past.slice(-99), s.present], present: value, future: [] };
    });
  }, []);
  const reset = useCallback((t: Timeline) => setState({ past: [], present: t, future: [] }), []);
  const undo = useCallback(() => setState((s) => (s.past.length && s.present ? { past: s.past.slice(0, -1), present: s.past[s.past.length - 1], future: [s.present, ...s.future] } : s)), []);
  const redo = useCallback(() => setState((s) => (s.future.length && s.present ? { past: [...s.past, s.present], present: s.future[0], future: s.future.slice(1) } : s)), []);
  return { timeline: state.present, set, reset, undo, redo, canUndo: state.past.length > 0, canRedo: state.future.length > 0 };
}

export function EditorView({ id }: { id: string }) {
  const { api } = useServices();
  const { job, error: jobError, reload } = useJob(id);
  const hist = useHistory(null);
  const draft = hist.timeline;
  const [saved, setSaved] = useState<Timeline | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [report, setReport] = useState<ComplianceReport | null>(null);
  const [script, setScript] = useState<Script | null>(null);
  const [selection, setSelection] = useState<Selection>(null);
  const [carry, setCarry] = useState(false);
  const [busy, setBusy] = useState<null | "saving" | "composing">(null);
  const [status, setStatus] = useState<{ kind: "info" | "error" | "success"; text: string; errors?: string[] } | null>(null);
  const [announce, setAnnounce] = useState("");
  /** Renders this session has seen replaced; the latest always comes fresh with the job. */
  const [earlier, setEarlier] = useState<Version[]>([]);
  const [playhead, setPlayhead] = useState(0);
  const [drag, setDrag] = useState<{ from: number; over: number | null } | null>(null);
  const players = useRef(new Map<number, HTMLVideoElement>());
  const alive = useRef(true);
  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);

  const loadReport = useCallback(async () => {
    try {
      setReport(await api.compliance(id));
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) setReport(null);
    }
  }, [api, id]);

  useEffect(() => {
    let live = true;
    api.getTimeline(id).then(
      (t) => {
        if (!live) return;
        hist.reset(t);
        setSaved(t);
      },
      (e: unknown) => live && setLoadError((e as Error).message),
    );
    void loadReport();
    return () => {
      live = false;
    };
  }, [api, id, loadReport, hist.reset]);

  // The script (scene purposes, full clip lengths) is an asset of the job.
  const scriptUrl = job?.urls.script;
  useEffect(() => {
    if (!scriptUrl || script) return;
    api.assetJson<Script>(scriptUrl).then(setScript, () => undefined);
  }, [api, scriptUrl, script]);


  const latest: Version | null = job && job.renders >= 1 && job.urls.output ? { version: job.renders, url: job.urls.output, poster: job.urls.poster } : null;
  const versions = latest ? [latest, ...earlier.filter((v) => v.version < latest.version)] : earlier;

  const dirty = !!draft && !!saved && !sameTimeline(draft, saved);
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [dirty]);

  const total = draft ? timelineDuration(draft) : 0;
  const starts = useMemo(() => (draft ? clipStarts(draft) : []), [draft]);
  const sceneLength = useCallback(
    (scene: number, loadedOut: number) => Math.max(loadedOut, script?.scenes.find((s) => s.index === scene)?.duration_s ?? 0, saved?.clips.find((c) => c.scene_index === scene)?.out_s ?? 0),
    [script, saved],
  );
  const purpose = (scene: number) => script?.scenes.find((s) => s.index === scene)?.purpose;
  const thumb = (scene: number) => api.assetUrl(job?.urls[`track:scene_${scene}`]);

  const move = (from: number, to: number) => {
    if (!draft || to < 0 || to >= draft.clips.length || from === to) return;
    const scene = draft.clips[from].scene_index;
    hist.set((t) => moveClip(t, from, to, { carry }));
    setSelection({ kind: "clip", index: to });
    setAnnounce(`Scene ${scene} moved to position ${to + 1} of ${draft.clips.length}.`);
  };

  const onClipKey = (e: KeyboardEvent, i: number) => {
    if (e.altKey && (e.key === "ArrowLeft" || e.key === "ArrowUp")) {
      e.preventDefault();
      move(i, i - 1);
    } else if (e.altKey && (e.key === "ArrowRight" || e.key === "ArrowDown")) {
      e.preventDefault();
      move(i, i + 1);
    }
  };

  const dragProps = (i: number) => ({
    draggable: true,
    onDragStart: (e: DragEvent) => {
      setDrag({ from: i, over: null });
      e.dataTransfer?.setData("text/plain", String(i));
      if (e.dataTransfer) e.dataTransfer.effectAllowed = "move";
    },
    onDragOver: (e: DragEvent) => {
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = "move";
      setDrag((d) => (d && d.over !== i ? { ...d, over: i } : d));
    },
    onDrop: (e: DragEvent) => {
      e.preventDefault();
      const raw = e.dataTransfer?.getData("text/plain");
      const from = drag?.from ?? (raw ? Number(raw) : NaN);
      setDrag(null);
      if (Number.isInteger(from)) move(from, i);
    },
    onDragEnd: () => setDrag(null),
  });

  const seek = (t: number) => {
    const latest = versions[0] && players.current.get(versions[0].version);
    if (latest) latest.currentTime = Math.max(0, t);
    setPlayhead(t);
  };

  const save = async (): Promise<boolean> => {
    if (!draft) return false;
    setBusy("saving");
    setStatus({ kind: "info", text: "Saving the edit…" });
    try {
      const t = await api.putTimeline(id, draft);
      if (!alive.current) return false;
      setSaved(t);
      if (!sameTimeline(t, draft)) hist.set(t);
      setStatus({ kind: "success", text: "Saved." });
      return true;
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError(0, "Error", String(e));
      setStatus({ kind: "error", text: `The edit was not saved: ${err.title || "error"}.`, errors: err.errors.length ? err.errors.map((x) => `${x.field || "timeline"}: ${x.message}`) : [err.message] });
      return false;
    } finally {
      if (alive.current) setBusy(null);
    }
  };

  const saveAndCompose = async () => {
    if (!job || !(await save())) return;
    setBusy("composing");
    const before = job.tracks.compose?.started_at ?? null;
    const previous = latest;
    try {
      const accepted = await api.compose(id);
      setStatus({ kind: "info", text: `Rendering version ${accepted.version}…` });
      for (;;) {
        await sleep(1000);
        if (!alive.current) return;
        const j: Job | null = await reload();
        const track = j?.tracks.compose;
        if (j && j.renders >= accepted.version && track?.state === "done") {
          if (previous) setEarlier((vs) => [previous, ...vs.filter((v) => v.version !== previous.version)]);
          setStatus({ kind: "success", text: `Version ${accepted.version} is ready.` });
          break;
        }
        if (track && track.started_at !== before && track.state === "failed") {
          setStatus({ kind: "error", text: `Version ${accepted.version} could not be rendered: ${track.message}` });
          break;
        }
        if (track?.state === "running") setStatus({ kind: "info", text: `Rendering version ${accepted.version}… ${Math.round(track.percent)}%` });
      }
      await loadReport();
    } catch (e) {
      setStatus({ kind: "error", text: `Re-compose failed: ${(e as Error).message}` });
    } finally {
      if (alive.current) setBusy(null);
    }
  };

  if (jobError && !job) return <Notice kind="error">{jobError.status === 404 ? `There is no job ${id}.` : jobError.message}</Notice>;
  if (loadError)
    return (
      <div>
        <ViewHeading>Workspace</ViewHeading>
        <Notice kind="error">The timeline cannot be opened: {loadError}</Notice>
        <p>
          <a href={href.progress(id)}>See the job's progress</a>
        </p>
      </div>
    );
  if (!job || !draft) return <p role="status">Loading the workspace…</p>;

  const findings = report?.findings ?? [];
  const timed = findings.map((f, i) => ({ f, i })).filter(({ f }) => f.start_s !== null && f.end_s !== null);
  const untimed = findings.filter((f) => f.start_s === null || f.end_s === null);
  const findingRows = packRows(timed.map(({ f }) => ({ start: f.start_s!, end: Math.max(f.end_s!, f.start_s! + 0.3) })));
  const textRows = packRows(draft.texts.map((t) => ({ start: t.start_s, end: t.end_s })));
  const voiceRows = packRows(draft.voice.map((v) => ({ start: v.start_s, end: v.start_s + v.duration_s })));
  const lanes = (rows: number[]) => Math.max(1, ...rows.map((r) => r + 1));
  const tick = total > 45 ? 5 : total > 20 ? 2 : 1;
  const sel = selection;
  const selClip = sel?.kind === "clip" ? draft.clips[sel.index] : undefined;
  const selText: TextItem | undefined = sel?.kind === "text" ? draft.texts[sel.index] : undefined;
  const selFinding = sel?.kind === "finding" ? findings[sel.index] : undefined;
  const briefLength = job.brief.duration_s;

  return (
    <div className="editor">
      <div className="view-top">
        <div>
          <ViewHeading>Workspace · {job.brief.product.brand_name}</ViewHeading>
          <p className="muted">
            Timeline {formatSeconds(total, 2)} (brief {briefLength} s) · {draft.clips.length} clips · {draft.output.width}×{draft.output.height}
            {dirty && <strong className="unsaved"> · unsaved changes</strong>}
          </p>
        </div>
        <StatusBadge status={job.status} />
      </div>
      {Math.abs(total - briefLength) > 0.05 && (
        <Notice kind="warning">
          The edit is {formatSeconds(total, 2)} long but the brief asks for {briefLength} s; voice and text past the end are cut.
        </Notice>
      )}

      <div className="editor-top">
        <section aria-labelledby="versions-h" className="card versions">
          <h2 id="versions-h">Versions</h2>
          {versions.length === 0 ? (
            <p className="muted">No render yet.</p>
          ) : (
            <ul className="version-list plain">
              {versions.map((v, i) => (
                <li key={v.version} className="version" data-version={v.version}>
                  <figure>
                    <video
                      ref={(el) => {
                        if (el) players.current.set(v.version, el);
                        else players.current.delete(v.version);
                      }}
                      className={`player ar-${job.brief.aspect_ratio.replace(":", "-")}`}
                      src={api.assetUrl(v.url)}
                      poster={i === 0 ? api.assetUrl(v.poster) : undefined}
                      controls
                      preload="metadata"
                      data-testid={i === 0 ? "preview-video" : `version-video-${v.version}`}
                      aria-label={`Version ${v.version}`}
                      onTimeUpdate={(e) => setPlayhead(e.currentTarget.currentTime)}
                      onError={() => i === 0 && expiredOrSoon(v.url) && void reload()}
                    />
                    <figcaption>
                      <strong>Version {v.version}</strong>
                      {i === 0 && <span className="badge">latest</span>}{" "}
                      <a href={api.assetUrl(v.url)} download={`${job.brief.product.brand_name}-v${v.version}.mp4`}>
                        Download<span className="visually-hidden"> version {v.version}</span>
                      </a>
                    </figcaption>
                  </figure>
                </li>
              ))}
            </ul>
          )}
          {job.renders > 1 && versions.length < job.renders && (
            <p className="muted small">Earlier versions made in another session are in the job's folder (final/v&#123;k&#125;.mp4).</p>
          )}
        </section>

        <section aria-labelledby="inspector-h" className="card inspector">
          <h2 id="inspector-h">Inspector</h2>
          {!sel && <p className="muted">Select a clip, a text item or a finding on the timeline.</p>}
          {selClip && sel?.kind === "clip" && (
            <div className="clip-inspector" data-testid="clip-inspector">
              <h3>
                Scene {selClip.scene_index}
                {purpose(selClip.scene_index) && <span className="muted"> · {humanize(purpose(selClip.scene_index)!)}</span>}
              </h3>
              <p className="muted small">
                Position {sel.index + 1} of {draft.clips.length}, starts at {clock(starts[sel.index] ?? 0)}
              </p>
              <div className="row">
                <TextField
                  path="trim-in"
                  label="In (s)"
                  type="number"
                  step={0.1}
                  min={0}
                  value={selClip.in_s}
                  onChange={(e) => {
                    const r = trimClip(draft, sel.index, num(e.target.value), selClip.out_s, sceneLength(selClip.scene_index, selClip.out_s));
                    hist.set(r.timeline);
                  }}
                />
                <TextField
                  path="trim-out"
                  label="Out (s)"
                  type="number"
                  step={0.1}
                  min={0.25}
                  max={sceneLength(selClip.scene_index, selClip.out_s)}
                  value={selClip.out_s}
                  onChange={(e) => {
                    const r = trimClip(draft, sel.index, selClip.in_s, num(e.target.value), sceneLength(selClip.scene_index, selClip.out_s));
                    hist.set(r.timeline);
                  }}
                />
              </div>
              <p className="muted small">
                Plays {formatSeconds(selClip.out_s - selClip.in_s, 2)} of {formatSeconds(sceneLength(selClip.scene_index, selClip.out_s), 2)}.{" "}
                <button type="button" className="link" onClick={() => hist.set(trimClip(draft, sel.index, 0, sceneLength(selClip.scene_index, selClip.out_s)).timeline)}>
                  Use the whole clip
                </button>
              </p>
              <div className="row">
                <div className="field">
                  <label htmlFor="transition">Transition in</label>
                  <select
                    id="transition"
                    value={selClip.transition}
                    disabled={sel.index === 0}
                    onChange={(e) => hist.set(setTransition(draft, sel.index, e.target.value as "cut" | "dissolve", selClip.transition_s || 0.5))}
                  >
                    <option value="cut">Cut</option>
                    <option value="dissolve">Dissolve</option>
                  </select>
                </div>
                {selClip.transition === "dissolve" && (
                  <TextField
                    path="transition-s"
                    label="Dissolve (s)"
                    type="number"
                    step={0.1}
                    min={0.1}
                    max={2}
                    value={selClip.transition_s}
                    onChange={(e) => hist.set(setTransition(draft, sel.index, "dissolve", num(e.target.value) || 0.1))}
                  />
                )}
              </div>
              <div className="actions">
                <button type="button" className="secondary" disabled={sel.index === 0} onClick={() => move(sel.index, sel.index - 1)}>
                  Move earlier
                </button>
                <button type="button" className="secondary" disabled={sel.index === draft.clips.length - 1} onClick={() => move(sel.index, sel.index + 1)}>
                  Move later
                </button>
              </div>
            </div>
          )}
          {selText && sel?.kind === "text" && (
            <div className="text-inspector">
              <h3>{humanize(selText.kind)}</h3>
              {selText.kind === "major_statement" && (
                <p className="muted small">The major statement must match what is spoken and start and end with it (MS-DUAL-MODALITY).</p>
              )}
              <div className="field">
                <label htmlFor="text-body">Text</label>
                <textarea id="text-body" rows={3} maxLength={600} value={selText.text} onChange={(e) => hist.set(updateText(draft, sel.index, { text: e.target.value }))} />
              </div>
              <div className="row">
                <TextField
                  path="text-start"
                  label="Start (s)"
                  type="number"
                  step={0.1}
                  min={0}
                  value={selText.start_s}
                  onChange={(e) => Number.isFinite(num(e.target.value)) && hist.set(updateText(draft, sel.index, { start_s: Math.max(0, num(e.target.value)) }))}
                />
                <TextField
                  path="text-end"
                  label="End (s)"
                  type="number"
                  step={0.1}
                  min={0.1}
                  value={selText.end_s}
                  onChange={(e) => Number.isFinite(num(e.target.value)) && hist.set(updateText(draft, sel.index, { end_s: num(e.target.value) }))}
                />
                <div className="field">
                  <label htmlFor="text-pos">Position</label>
                  <select id="text-pos" value={selText.position} onChange={(e) => hist.set(updateText(draft, sel.index, { position: e.target.value as TextItem["position"] }))}>
                    <option value="lower_third">Lower third</option>
                    <option value="center">Center</option>
                    <option value="top">Top</option>
                  </select>
                </div>
              </div>
            </div>
          )}
          {selFinding && (
            <div className={`finding-detail sev-${selFinding.severity}`}>
              <h3>
                {humanize(selFinding.severity)} · rule {selFinding.rule}
              </h3>
              <p className="muted small">{ruleName(selFinding.rule)}</p>
              <p>{selFinding.message}</p>
              <p className="muted small">
                {selFinding.scene ? `Scene ${selFinding.scene} · ` : ""}
                {selFinding.start_s !== null && selFinding.end_s !== null ? `${clock(selFinding.start_s)}–${clock(selFinding.end_s)}` : "whole ad"}
                {selFinding.source ? ` · ${selFinding.source}` : ""}
              </p>
            </div>
          )}
        </section>
      </div>

      <section aria-labelledby="timeline-h" className="card timeline-card">
        <div className="timeline-toolbar">
          <h2 id="timeline-h">Timeline</h2>
          <div className="actions">
            <button type="button" className="secondary" onClick={hist.undo} disabled={!hist.canUndo || !!busy}>
              Undo
            </button>
            <button type="button" className="secondary" onClick={hist.redo} disabled={!hist.canRedo || !!busy}>
              Redo
            </button>
            <button type="button" className="secondary" onClick={() => saved && hist.set(saved)} disabled={!dirty || !!busy}>
              Revert
            </button>
            <button type="button" className="secondary" onClick={() => void save()} disabled={!dirty || !!busy}>
              Save
            </button>
            <button type="button" className="primary" onClick={() => void saveAndCompose()} disabled={!!busy || job.status !== "completed"}>
              {busy === "composing" ? "Rendering…" : busy === "saving" ? "Saving…" : "Save and re-compose"}
            </button>
          </div>
        </div>
        <label className="check">
          <input type="checkbox" checked={carry} onChange={(e) => setCarry(e.target.checked)} /> Move a scene's voice and supers with its picture
        </label>
        {status && (
          <div className={`notice notice-${status.kind}`} role={status.kind === "error" ? "alert" : "status"} data-testid="editor-status">
            {status.text}
            {status.errors && (
              <ul>
                {status.errors.map((x) => (
                  <li key={x}>{x}</li>
                ))}
              </ul>
            )}
          </div>
        )}
        <p className="visually-hidden" aria-live="assertive">
          {announce}
        </p>

        <div className="tl" style={{ ["--tl-total" as string]: total }}>
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
              onClick={(e) => {
                const r = e.currentTarget.getBoundingClientRect();
                if (r.width > 0) seek(((e.clientX - r.left) / r.width) * total);
              }}
              onKeyDown={(e) => {
                if (e.key === "ArrowLeft") seek(Math.max(0, playhead - 1));
                else if (e.key === "ArrowRight") seek(Math.min(total, playhead + 1));
                else if (e.key === "Home") seek(0);
                else if (e.key === "End") seek(total);
                else return;
                e.preventDefault();
              }}
            >
              {Array.from({ length: Math.floor(total / tick) + 1 }, (_, k) => k * tick).map((t) => (
                <span key={t} className="tl-tick" style={{ left: `${(t / total) * 100}%` }} aria-hidden="true">
                  {t}s
                </span>
              ))}
            </div>
          </div>

          <div className="tl-row">
            <span className="tl-label" id="lane-video">
              Video
            </span>
            <ol className="tl-lane tl-video" aria-labelledby="lane-video">
              {draft.clips.map((c, i) => {
                const pos = placeRange(starts[i], starts[i] + c.out_s - c.in_s, total);
                const selected = sel?.kind === "clip" && sel.index === i;
                return (
                  <li
                    key={`${c.scene_index}-${i}`}
                    className={`tl-item tl-clip ${selected ? "selected" : ""} ${drag?.over === i && drag.from !== i ? "drop-target" : ""}`}
                    style={{ left: `${pos.left}%`, width: `${pos.width}%` }}
                    data-scene={c.scene_index}
                    data-testid={`clip-${i}`}
                    {...dragProps(i)}
                  >
                    <button
                      type="button"
                      className="tl-clip-btn"
                      aria-pressed={selected}
                      aria-label={`Scene ${c.scene_index}, position ${i + 1}, ${formatSeconds(c.out_s - c.in_s, 2)}. Alt+arrow keys move it.`}
                      onClick={() => setSelection({ kind: "clip", index: i })}
                      onKeyDown={(e) => onClipKey(e, i)}
                      style={thumb(c.scene_index) ? { backgroundImage: `url("${thumb(c.scene_index)}")` } : undefined}
                    >
                      <span className="tl-clip-label">S{c.scene_index}</span>
                      {c.transition === "dissolve" && <span className="tl-dissolve" title={`dissolve ${c.transition_s} s`} aria-hidden="true" />}
                    </button>
                  </li>
                );
              })}
            </ol>
          </div>

          <div className="tl-row">
            <span className="tl-label" id="lane-voice">
              Voice
            </span>
            <ol className="tl-lane tl-voice" aria-labelledby="lane-voice" style={{ ["--rows" as string]: lanes(voiceRows) }}>
              {draft.voice.map((v, i) => {
                const pos = placeRange(v.start_s, v.start_s + v.duration_s, total);
                return (
                  <li
                    key={i}
                    className={`tl-item tl-voice-line ${v.major_statement ? "major" : ""}`}
                    style={{ left: `${pos.left}%`, width: `${pos.width}%`, ["--row" as string]: voiceRows[i] }}
                    title={v.text}
                  >
                    <span className="visually-hidden">
                      {clock(v.start_s)} to {clock(v.start_s + v.duration_s)}
                      {v.major_statement ? ", major statement" : ""}:{" "}
                    </span>
                    {v.text}
                  </li>
                );
              })}
            </ol>
          </div>

          <div className="tl-row">
            <span className="tl-label" id="lane-music">
              Music
            </span>
            <div className="tl-lane tl-music" aria-labelledby="lane-music">
              {draft.music ? (
                <div className="tl-item tl-music-bed" style={{ left: 0, width: "100%" }}>
                  {draft.music.gain_db} dB, ducks {draft.music.duck_db} dB under speech
                </div>
              ) : (
                <span className="muted small">no music</span>
              )}
            </div>
          </div>

          <div className="tl-row">
            <span className="tl-label" id="lane-text">
              Text
            </span>
            <ol className="tl-lane tl-text" aria-labelledby="lane-text" style={{ ["--rows" as string]: lanes(textRows) }}>
              {draft.texts.map((t, i) => {
                const pos = placeRange(t.start_s, t.end_s, total);
                const selected = sel?.kind === "text" && sel.index === i;
                return (
                  <li key={i} className={`tl-item tl-text-item kind-${t.kind} ${selected ? "selected" : ""}`} style={{ left: `${pos.left}%`, width: `${pos.width}%`, ["--row" as string]: textRows[i] }}>
                    <button type="button" aria-pressed={selected} onClick={() => setSelection({ kind: "text", index: i })} title={t.text}>
                      <span className="visually-hidden">
                        {humanize(t.kind)}, {clock(t.start_s)} to {clock(t.end_s)}:{" "}
                      </span>
                      {t.text}
                    </button>
                  </li>
                );
              })}
            </ol>
          </div>

          <div className="tl-row">
            <span className="tl-label" id="lane-findings">
              Findings{report?.version ? ` (v${report.version})` : ""}
            </span>
            <ol className="tl-lane tl-findings" aria-labelledby="lane-findings" style={{ ["--rows" as string]: lanes(findingRows) }} data-testid="findings-lane">
              {timed.map(({ f, i }, k) => {
                const pos = placeRange(f.start_s!, Math.max(f.end_s!, f.start_s! + 0.3), total);
                const selected = sel?.kind === "finding" && sel.index === i;
                return (
                  <li key={i} className={`tl-item tl-finding sev-${f.severity} ${selected ? "selected" : ""}`} style={{ left: `${pos.left}%`, width: `${pos.width}%`, ["--row" as string]: findingRows[k] }}>
                    <button
                      type="button"
                      aria-pressed={selected}
                      aria-label={findingLabel(f)}
                      title={f.message}
                      onClick={() => {
                        setSelection({ kind: "finding", index: i });
                        seek(f.start_s!);
                      }}
                    >
                      {f.rule}
                    </button>
                  </li>
                );
              })}
              {timed.length === 0 && <li className="muted small tl-empty">{report ? "no timed findings" : "no report yet"}</li>}
            </ol>
          </div>
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
      </section>

      <div className="editor-bottom">
        <section aria-labelledby="order-h" className="card">
          <h2 id="order-h">Clip order</h2>
          <p className="muted small">Drag a clip (here or on the timeline), or use its buttons.</p>
          <ol className="clip-order plain" data-testid="clip-order">
            {draft.clips.map((c, i) => (
              <li key={`${c.scene_index}-${i}`} className={`clip-row ${drag?.over === i && drag.from !== i ? "drop-target" : ""}`} data-scene={c.scene_index} {...dragProps(i)}>
                <span className="drag-handle" aria-hidden="true">
                  ⋮⋮
                </span>
                {thumb(c.scene_index) ? <img src={thumb(c.scene_index)} alt="" className="clip-thumb" /> : <span className="clip-thumb" />}
                <span className="clip-name">
                  <strong>
                    {i + 1}. Scene {c.scene_index}
                  </strong>
                  <span className="muted small">
                    {purpose(c.scene_index) ? `${humanize(purpose(c.scene_index)!)} · ` : ""}
                    {formatSeconds(c.out_s - c.in_s, 2)}
                  </span>
                </span>
                <span className="clip-buttons">
                  <button type="button" className="icon" aria-label={`Move scene ${c.scene_index} earlier`} disabled={i === 0} onClick={() => move(i, i - 1)}>
                    ↑
                  </button>
                  <button type="button" className="icon" aria-label={`Move scene ${c.scene_index} later`} disabled={i === draft.clips.length - 1} onClick={() => move(i, i + 1)}>
                    ↓
                  </button>
                  <button type="button" className="secondary small" onClick={() => setSelection({ kind: "clip", index: i })}>
                    Trim<span className="visually-hidden"> scene {c.scene_index}</span>
                  </button>
                </span>
              </li>
            ))}
          </ol>
        </section>

        <section aria-labelledby="music-h" className="card">
          <h2 id="music-h">Music</h2>
          {draft.music ? (
            <div className="music-controls">
              {(
                [
                  ["gain_db", "Gain", -40, 6, 0.5, "dB"],
                  ["duck_db", "Duck under speech", 0, 40, 0.5, "dB"],
                  ["fade_in_s", "Fade in", 0, 10, 0.1, "s"],
                  ["fade_out_s", "Fade out", 0, 10, 0.1, "s"],
                ] as const
              ).map(([key, label, min, max, step, unit]) => (
                <div className="field range" key={key}>
                  <label htmlFor={`music-${key}`}>
                    {label}: <output htmlFor={`music-${key}`}>{draft.music![key]} {unit}</output>
                  </label>
                  <input
                    id={`music-${key}`}
                    type="range"
                    min={min}
                    max={max}
                    step={step}
                    value={draft.music![key]}
                    aria-valuetext={`${draft.music![key]} ${unit}`}
                    onChange={(e) => hist.set(updateMusic(draft, { [key]: Number(e.target.value) }))}
                  />
                </div>
              ))}
            </div>
          ) : (
            <p className="muted">This edit has no music bed.</p>
          )}
          <p className="muted small">
            <a href={href.compliance(id)}>Full compliance report</a> · <a href={href.progress(id)}>Job details</a>
          </p>
        </section>
      </div>
    </div>
  );
}
