// Workspace: a multi-track editor of the job's timeline — video clips (reorder by drag and drop
// or buttons, trim, transitions), the voice track, the music bed (gain, duck, fades), the text
// track — with the compliance findings drawn at their time ranges, a preview player, and
// save → re-compose → a new version beside the old.
//
// This view holds the state and wires it: the edit history (lib/history), the re-compose that
// follows live progress (lib/recompose), and the parts under components/editor/.

import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { ClipOrder } from "../components/editor/ClipOrder";
import { focusAfterMove, type MoveOrigin } from "../components/editor/moveFocus";
import { useClipDrag } from "../components/editor/clipDrag";
import { Inspector, type Selection } from "../components/editor/Inspector";
import { MusicControls } from "../components/editor/MusicControls";
import { ScenePanel } from "../components/editor/ScenePanel";
import { TimelineLanes } from "../components/editor/TimelineLanes";
import { VersionCompare } from "../components/editor/VersionCompare";
import { VersionList, type Version } from "../components/editor/VersionList";
import { Notice, StatusBadge, ViewHeading } from "../components/ui";
import { ApiError } from "../lib/api";
import { findingLine } from "../lib/compliance";
import { formatSeconds } from "../lib/format";
import { useHistory } from "../lib/history";
import { useJob } from "../lib/hooks";
import { recomposeNotice, useRecompose } from "../lib/recompose";
import { plainProblem } from "../lib/plain";
import { href, useLeaveGuard } from "../lib/router";
import { useServices } from "../lib/services";
import { clipStarts, moveClip, sameTimeline, timelineDuration, updateMusic } from "../lib/timeline";
import type { Comment, ComplianceReport, DraftCheck, Finding, Script, Timeline } from "../lib/types";

interface Status {
  kind: "info" | "error" | "success";
  text: string;
  errors?: string[];
}

export function EditorView({ id }: { id: string }) {
  const { api } = useServices();
  const { job, error: jobError, reload } = useJob(id);
  const hist = useHistory<Timeline>(null);
  const draft = hist.value;
  const recompose = useRecompose(id, reload);
  const [saved, setSaved] = useState<Timeline | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [report, setReport] = useState<ComplianceReport | null>(null);
  const [script, setScript] = useState<Script | null>(null);
  const [selection, setSelection] = useState<Selection>(null);
  /** The timeline the newest version was rendered from, as far as this session knows: the
   *  version's own copy when the job keeps one, else the saved edit as it was opened. */
  const [rendered, setRendered] = useState<Timeline | null>(null);
  // A scene's voice and supers belong to its picture: moving the picture moves them too.
  const [carry, setCarry] = useState(true);
  /** The controls to focus (first enabled one wins) once a keyboard move has redrawn the clips. */
  const [refocus, setRefocus] = useState<string[] | null>(null);
  const [busy, setBusy] = useState<null | "saving" | "composing">(null);
  const [status, setStatus] = useState<Status | null>(null);
  const [announce, setAnnounce] = useState("");
  /** Renders this session has seen replaced; the latest always comes fresh with the job. */
  const [earlier, setEarlier] = useState<Version[]>([]);
  const [playhead, setPlayhead] = useState(0);
  /** Every rendered version from the server (null until read, or when it cannot say). */
  const [made, setMade] = useState<Version[] | null>(null);
  const [compare, setCompare] = useState<number | null>(null);
  /** What the compliance engine says of the draft as it is now (POST …/timeline/check). */
  const [check, setCheck] = useState<DraftCheck | null>(null);
  /** The newest version's open review comments, drawn on the timeline. */
  const [comments, setComments] = useState<{ version: number; items: Comment[] } | undefined>(undefined);
  const players = useRef(new Map<number, HTMLVideoElement>());
  const alive = useRef(true);
  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);

  const loadReport = useCallback(async (): Promise<ComplianceReport | null> => {
    try {
      const r = await api.compliance(id);
      setReport(r);
      return r;
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) setReport(null);
      return null;
    }
  }, [api, id]);

  const { reset } = hist;
  useEffect(() => {
    let live = true;
    api.getTimeline(id).then(
      (t) => {
        if (!live) return;
        reset(t);
        setSaved(t);
        setRendered((r) => r ?? t);
      },
      (e: unknown) => live && setLoadError((e as Error).message),
    );
    void loadReport();
    return () => {
      live = false;
    };
  }, [api, id, loadReport, reset]);

  // The script (scene purposes, full clip lengths) is an asset of the job.
  const scriptUrl = job?.urls.script;
  useEffect(() => {
    if (!scriptUrl || script) return;
    api.assetJson<Script>(scriptUrl).then(setScript, () => undefined);
  }, [api, scriptUrl, script]);


  const latest: Version | null = job && job.renders >= 1 && job.urls.output ? { version: job.renders, url: job.urls.output, poster: job.urls.poster } : null;
  const versions = made?.length ? made : latest ? [latest, ...earlier.filter((v) => v.version < latest.version)] : earlier;

  // Every version the job has made (earlier sessions' too), newest first.
  const renders = job?.renders ?? 0;
  useEffect(() => {
    if (!renders) return;
    let live = true;
    api.versions(id).then(
      (vs) => live && setMade(vs.filter((v) => v.urls.output).map((v) => ({ version: v.version, url: v.urls.output, poster: v.urls.poster })).reverse()),
      () => undefined, // an older server: the session's own list stands
    );
    return () => {
      live = false;
    };
  }, [api, id, renders]);

  // The newest version's own timeline, when the job keeps one, says what was rendered last.
  const renderedUrl = job ? job.urls[`timeline:v${job.renders}`] : undefined;
  useEffect(() => {
    if (!renderedUrl) return;
    let live = true;
    api.assetJson<Timeline>(renderedUrl).then(
      (t) => live && setRendered(t),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [api, renderedUrl]);

  const newest = job?.versions.length ? Math.max(...job.versions.map((v) => v.version)) : 0;
  useEffect(() => {
    if (!newest) return;
    let live = true;
    api.comments(id, newest).then(
      (c) => live && setComments({ version: newest, items: c.items.filter((x) => !x.resolved) }),
      () => undefined, // a server without review routes: no comments lane
    );
    return () => {
      live = false;
    };
  }, [api, id, newest]);

  // The draft is checked as it is edited (debounced): its findings are drawn on the timeline
  // in place of the last render's, so what compose would refuse shows before any render.
  const draftJson = draft ? JSON.stringify(draft) : "";
  useEffect(() => {
    if (!draftJson) return;
    let live = true;
    const t = setTimeout(() => {
      api.checkTimeline(id, JSON.parse(draftJson) as Timeline).then(
        (c) => live && setCheck(c),
        () => live && setCheck(null), // no check route, or a draft it cannot read: the report stands
      );
    }, 500);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [api, id, draftJson]);

  const dirty = !!draft && !!saved && !sameTimeline(draft, saved);
  /** Something to render: an unsaved edit, or a saved one no version was made from. */
  const changed = dirty || (!!saved && !!rendered && !sameTimeline(saved, rendered));
  useLeaveGuard(dirty ? "This edit has unsaved changes. Leave the workspace and lose them?" : null);

  useLayoutEffect(() => {
    if (!refocus) return;
    setRefocus(null);
    for (const id of refocus) {
      const el = document.querySelector<HTMLButtonElement>(`[data-focus-id="${id}"]`);
      if (el && !el.disabled) {
        el.focus();
        return;
      }
    }
  }, [refocus]);

  const total = draft ? timelineDuration(draft) : 0;
  const starts = useMemo(() => (draft ? clipStarts(draft) : []), [draft]);
  const sceneLength = useCallback(
    (scene: number, loadedOut: number) => Math.max(loadedOut, script?.scenes.find((s) => s.index === scene)?.duration_s ?? 0, saved?.clips.find((c) => c.scene_index === scene)?.out_s ?? 0),
    [script, saved],
  );
  const purpose = (scene: number) => script?.scenes.find((s) => s.index === scene)?.purpose;
  const thumb = (scene: number) => api.assetUrl(job?.urls[`track:scene_${scene}`]);

  /** Move a clip; a move made from a control (`origin`) keeps focus on that control at the
   *  clip's new place, so the keyboard can go on moving it. */
  const move = (from: number, to: number, origin?: MoveOrigin) => {
    if (!draft || to < 0 || to >= draft.clips.length || from === to) return;
    const scene = draft.clips[from].scene_index;
    hist.set((t) => moveClip(t, from, to, { carry }));
    setSelection({ kind: "clip", index: to });
    if (origin) setRefocus(focusAfterMove(origin, from, to));
    setAnnounce(`Scene ${scene} moved to position ${to + 1} of ${draft.clips.length}${carry ? ", with its voice and supers" : ""}.`);
  };
  const drag = useClipDrag(move);

  const restore = async (k: number) => {
    if (dirty && !window.confirm(`Restoring version ${k} replaces the unsaved edit. Go on?`)) return;
    try {
      const t = await api.restoreVersion(id, k);
      if (!alive.current) return;
      hist.set(t);
      setSaved(t);
      setStatus({ kind: "success", text: `Version ${k}'s edit is now the draft (saved; undo goes back). Save and re-compose renders it as a new version; version ${k} itself never changes.` });
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError(0, "Error", String(e));
      setStatus({ kind: "error", text: `Version ${k} could not be restored: ${plainProblem("", err.message)}` });
    }
  };

  const seek = (t: number) => {
    const preview = versions[0] && players.current.get(versions[0].version);
    if (preview) preview.currentTime = Math.max(0, t);
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
      const what = err.status === 0 ? "the server cannot be reached; check the connection and save again" : "fix what is listed below and save again";
      setStatus({ kind: "error", text: `The edit was not saved: ${what}. Nothing was lost; your changes are still here.`, errors: err.errors.length ? err.errors.map((x) => plainProblem(x.field, x.message)) : [plainProblem("", err.message)] });
      return false;
    } finally {
      if (alive.current) setBusy(null);
    }
  };

  const saveAndCompose = async () => {
    if (!job || !(await save())) return;
    setBusy("composing");
    const previous = latest;
    const rendering = saved;
    const outcome = await recompose.start();
    if (!outcome || !alive.current) return;
    if (outcome.kind === "ready") {
      if (previous) setEarlier((vs) => [previous, ...vs.filter((v) => v.version !== previous.version)]);
      setRendered(rendering);
    }
    await loadReport();
    // A refused render leaves the job's report alone (it is the last made version's): what
    // refused it is the job's `refusal`, a finding of the draft.
    const after = outcome.kind === "failed" ? await api.getJob(id).catch(() => null) : null;
    if (!alive.current) return;
    if (outcome.kind === "failed") {
      // Name each rule the edit breaks, and what stays as it was.
      const refusal = after?.refusal && after.refusal.version === outcome.version ? after.refusal : null;
      const broken = refusal ? (refusal.findings as unknown as Finding[]).map(findingLine) : [];
      const kept = previous ? ` Version ${previous.version} is unchanged.` : "";
      setStatus({ kind: "error", text: `${outcome.message}${kept}`, errors: broken.length ? broken : undefined });
    } else setStatus(recomposeNotice(outcome));
    setBusy(null);
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

  const briefLength = job.brief.duration_s;
  /** The findings drawn on the timeline: the draft's own check when there is one. */
  const shownReport: ComplianceReport | null = check
    ? { findings: check.findings.map((f) => ({ ...f, severity: f.severity === "error" ? "error" : "warning", scene: f.scene ?? null, start_s: f.start_s ?? null, end_s: f.end_s ?? null }) as Finding), errors: check.errors, warnings: check.warnings }
    : report;
  const compared = compare !== null ? versions.find((v) => v.version === compare) : undefined;
  // While a re-compose renders, the status line shows its percent; how it ended is said once its
  // report has been read (saveAndCompose).
  const shown: Status | null = busy === "composing" && recompose.state.kind === "rendering" ? recomposeNotice(recompose.state) : status;

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
        <VersionList
          versions={versions}
          renders={job.renders}
          aspectRatio={job.brief.aspect_ratio}
          brandName={job.brief.product.brand_name}
          assetUrl={(u) => api.assetUrl(u)}
          player={(version, el) => {
            if (el) players.current.set(version, el);
            else players.current.delete(version);
          }}
          onTime={setPlayhead}
          onExpired={() => void reload()}
          onRestore={(k) => void restore(k)}
          onCompare={setCompare}
        />
        <Inspector
          selection={selection}
          draft={draft}
          findings={report?.findings ?? []}
          starts={starts}
          sceneLength={sceneLength}
          purpose={purpose}
          onChange={hist.set}
          onMove={move}
          sceneTools={(scene) =>
            job.status === "completed" ? (
              <ScenePanel
                key={scene}
                job={job}
                scene={scene}
                script={script?.scenes.find((s) => s.index === scene)}
                chainedNext={!!script?.scenes.find((s) => s.index === scene + 1)?.continues_previous}
                reload={reload}
                onDraft={(t) => {
                  hist.set(t);
                  setSaved(t);
                }}
                mayReplaceDraft={() => !dirty || window.confirm("Using this take saves the draft with it, and the unsaved changes are dropped. Go on?")}
              />
            ) : null
          }
        />
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
            <button
              type="button"
              className="primary"
              onClick={() => void saveAndCompose()}
              disabled={!!busy || job.status !== "completed" || !changed}
              aria-describedby={!changed && !busy ? "compose-why" : undefined}
            >
              {busy === "composing" ? "Rendering…" : busy === "saving" ? "Saving…" : "Save and re-compose"}
            </button>
          </div>
        </div>
        {!changed && !busy && job.status === "completed" && (
          <p className="muted small" id="compose-why">
            No changes to render{job.renders ? ` since version ${job.renders}` : ""}: edit the timeline first.
          </p>
        )}
        <label className="check">
          <input type="checkbox" checked={carry} onChange={(e) => setCarry(e.target.checked)} /> Move a scene's voice and supers with its picture
        </label>
        {shown && (
          <div className={`notice notice-${shown.kind}`} role={shown.kind === "error" ? "alert" : "status"} data-testid="editor-status">
            {shown.text}
            {shown.errors && (
              <ul>
                {shown.errors.map((x) => (
                  <li key={x}>{x}</li>
                ))}
              </ul>
            )}
          </div>
        )}
        {check && (
          <p className={`draft-check ${check.passed ? "ok" : "bad"}`} data-testid="draft-check" aria-live="polite">
            {check.passed
              ? `Draft check: no rule broken${check.warnings ? ` (${check.warnings} warning${check.warnings === 1 ? "" : "s"})` : ""}.`
              : `Draft check: this edit breaks ${check.errors} rule${check.errors === 1 ? "" : "s"}; compose would refuse it. The findings are marked on the timeline.`}
            {check.revoice_lines.length > 0 && ` Line${check.revoice_lines.length === 1 ? "" : "s"} ${check.revoice_lines.map((n) => n + 1).join(", ")} will be re-voiced at the next compose.`}
          </p>
        )}
        <p className="visually-hidden" aria-live="assertive">
          {announce}
        </p>
        <TimelineLanes
          draft={draft}
          starts={starts}
          total={total}
          playhead={playhead}
          selection={selection}
          report={shownReport}
          comments={comments}
          drag={drag}
          thumb={thumb}
          onSelect={setSelection}
          onSeek={seek}
          onMove={move}
        />
      </section>

      {compared && versions[0] && compared.version !== versions[0].version && (
        <VersionCompare a={compared} b={versions[0]} aspectRatio={job.brief.aspect_ratio} assetUrl={(u) => api.assetUrl(u)} onClose={() => setCompare(null)} />
      )}

      <div className="editor-bottom">
        <ClipOrder draft={draft} drag={drag} thumb={thumb} purpose={purpose} onMove={move} onSelect={(index) => setSelection({ kind: "clip", index })} />
        <section aria-labelledby="music-h" className="card">
          <h2 id="music-h">Music</h2>
          <MusicControls music={draft.music} onChange={(patch) => hist.set(updateMusic(draft, patch))} />
          <p className="muted small">
            <a href={href.compliance(id)}>Full compliance report</a> · <a href={href.review(id)}>Review and comments</a> · <a href={href.progress(id)}>Job details</a>
          </p>
        </section>
      </div>
    </div>
  );
}
