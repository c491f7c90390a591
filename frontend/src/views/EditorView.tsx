// Workspace: a multi-track editor of the job's timeline — video clips (reorder by drag and drop
// or buttons, trim, transitions), the voice track, the music bed (gain, duck, fades), the text
// track — with the compliance findings drawn at their time ranges, a preview player, and
// save → re-compose → a new version beside the old.
//
// This view holds the state and wires it: the edit history (lib/history), the re-compose that
// follows live progress (lib/recompose), and the parts under components/editor/.

import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { ClipOrder } from "../components/editor/ClipOrder";
import { focusAfterMove, focusId, type MoveOrigin } from "../components/editor/moveFocus";
import { useClipDrag } from "../components/editor/clipDrag";
import { editFocus, Inspector, type ItemEdits, type Selection } from "../components/editor/Inspector";
import { MusicControls } from "../components/editor/MusicControls";
import { ScenePanel } from "../components/editor/ScenePanel";
import { TimelineLanes } from "../components/editor/TimelineLanes";
import { VersionCompare } from "../components/editor/VersionCompare";
import { VersionList, type Version } from "../components/editor/VersionList";
import { Notice, StatusBadge, ViewHeading } from "../components/ui";
import { ApiError, isStale, problemText } from "../lib/api";
import { findingAdvice, findingLine } from "../lib/compliance";
import { formatSeconds } from "../lib/format";
import { useHistory } from "../lib/history";
import { useJob } from "../lib/hooks";
import { recomposeNotice, useRecompose } from "../lib/recompose";
import { mayEdit, useMe } from "../lib/people";
import { plainProblem } from "../lib/plain";
import { href, useLeaveGuard } from "../lib/router";
import { useServices } from "../lib/services";
import {
  addText,
  clipStarts,
  deleteClip,
  deleteText,
  duplicateClip,
  EditRefused,
  moveClip,
  newSuper,
  sameTimeline,
  setClipLength,
  timelineDuration,
  updateMusic,
} from "../lib/timeline";
import type { Comment, ComplianceReport, DraftCheck, Finding, Script, Timeline } from "../lib/types";

interface Status {
  kind: "info" | "error" | "success";
  text: string;
  errors?: string[];
}

export function EditorView({ id }: { id: string }) {
  const { api } = useServices();
  const { job, error: jobError, reload } = useJob(id);
  /** A reviewer of someone else's ad gets no workspace: editing is the owner's. */
  const editing = mayEdit(useMe(), job);
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
  /** The saved draft's revision as the server tagged it (its ETag): a save names it (If-Match)
   *  so that it never lands over a draft changed elsewhere since; null when the server sends none. */
  const revision = useRef<string | null>(null);
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
      ({ value: t, etag }) => {
        if (!live) return;
        revision.current = etag;
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
    if (!draftJson || !editing) return;
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
  }, [api, id, draftJson, editing]);

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

  /** Apply an edit of the draft (undoable like any other): select and focus what it leaves,
   *  and say what it did; an edit that cannot apply changes nothing and says why. */
  const edit = (run: (t: Timeline) => Timeline, after: { select: Selection; focus?: string[]; say: (next: Timeline) => string }): string | null => {
    if (!draft) return null;
    let next: Timeline;
    try {
      next = run(draft);
    } catch (e) {
      if (!(e instanceof EditRefused)) throw e;
      setAnnounce(e.message);
      return e.message;
    }
    hist.set(next);
    setSelection(after.select);
    if (after.focus) setRefocus(after.focus);
    setAnnounce(after.say(next));
    return null;
  };
  const moved = (before: Timeline, next: Timeline) => {
    const d = Math.round((timelineDuration(next) - timelineDuration(before)) * 100) / 100;
    return d ? ` The ad is now ${formatSeconds(timelineDuration(next), 2)}; what followed moved ${d < 0 ? "up" : "later"} ${formatSeconds(Math.abs(d), 2)}.` : "";
  };
  const edits: ItemEdits = {
    deleteClip: (i) => {
      if (!draft) return null;
      const scene = draft.clips[i]?.scene_index;
      const at = Math.max(0, Math.min(i, draft.clips.length - 2));
      return edit((t) => deleteClip(t, i), {
        select: { kind: "clip", index: at },
        focus: [editFocus.deleteClip, focusId.lane(at)],
        say: (next) => `Scene ${scene}'s clip at position ${i + 1} deleted.${moved(draft, next)} Undo brings it back.`,
      });
    },
    duplicateClip: (i) => {
      if (!draft) return null;
      const scene = draft.clips[i]?.scene_index;
      return edit((t) => duplicateClip(t, i), {
        select: { kind: "clip", index: i + 1 },
        focus: [focusId.lane(i + 1)],
        say: (next) => `Scene ${scene} duplicated: the copy plays at position ${i + 2}.${moved(draft, next)}`,
      });
    },
    setClipLength: (i, seconds) => {
      if (!draft) return null;
      const scene = draft.clips[i]?.scene_index;
      return edit((t) => setClipLength(t, i, seconds), {
        select: { kind: "clip", index: i },
        say: (next) => `Scene ${scene} is now ${formatSeconds(seconds, 2)} long.${moved(draft, next)}`,
      });
    },
    deleteText: (i) => {
      if (!draft) return null;
      const text = draft.texts[i];
      return edit((t) => deleteText(t, i), {
        select: null,
        focus: ["add-super"],
        say: () => `Text "${text?.text ?? ""}" deleted. Undo brings it back.`,
      });
    },
  };
  const addSuper = () => {
    if (!draft) return;
    const item = newSuper(draft, playhead);
    edit((t) => addText(t, item), {
      select: { kind: "text", index: draft.texts.length },
      focus: [editFocus.textBody],
      say: () => `A super added at ${formatSeconds(item.start_s, 1)} for ${formatSeconds(item.end_s - item.start_s, 1)}: write its words in the inspector.`,
    });
  };

  const restore = async (k: number) => {
    if (dirty && !window.confirm(`Restoring version ${k} replaces the unsaved edit. Go on?`)) return;
    try {
      const { value: t, etag } = await api.restoreVersion(id, k);
      if (!alive.current) return;
      revision.current = etag;
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
      const { value: t, etag } = await api.putTimeline(id, draft, revision.current);
      if (!alive.current) return false;
      revision.current = etag;
      setSaved(t);
      if (!sameTimeline(t, draft)) hist.set(t);
      setStatus({ kind: "success", text: "Saved." });
      return true;
    } catch (e) {
      if (isStale(e)) return await reloadChanged();
      const err = e instanceof ApiError ? e : new ApiError(0, "Error", String(e));
      const what = err.status === 0 ? "the server cannot be reached; check the connection and save again" : "fix what is listed below and save again";
      setStatus({ kind: "error", text: `The edit was not saved: ${what}. Nothing was lost; your changes are still here.`, errors: err.errors.length ? err.errors.map((x) => plainProblem(x.field, x.message)) : [plainProblem("", err.message)] });
      return false;
    } finally {
      if (alive.current) setBusy(null);
    }
  };

  /** The draft was saved elsewhere since it was read (a regenerated take put itself in, another
   *  tab saved): show it as it is now, one undo step after the unsaved edit, which nothing
   *  overwrote. Always false: this save did not happen. */
  const reloadChanged = async (): Promise<false> => {
    try {
      const { value: current, etag } = await api.getTimeline(id);
      if (!alive.current) return false;
      revision.current = etag;
      setSaved(current);
      hist.set(current);
      setStatus({
        kind: "error",
        text: "Your edit was not saved: this ad's draft was changed elsewhere since you opened it (a new take was put in, or it was saved from another tab). The workspace now shows the draft as it is. To keep your edit instead, press Undo and save again.",
      });
    } catch (e) {
      if (!alive.current) return false;
      setStatus({ kind: "error", text: `Your edit was not saved: the draft was changed elsewhere, and it cannot be read again (${problemText(e)}). Nothing was lost; reload the page.` });
    }
    return false;
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
  if (job && !editing)
    return (
      <div>
        <ViewHeading>Workspace · {job.brief.product.brand_name}</ViewHeading>
        <Notice kind="info">
          You review this ad; only the person who made it can edit it. Comment on a version and record your decision in <a href={href.review(id)}>Review</a>.
        </Notice>
        <p>
          <a href={href.progress(id)}>See the ad</a> · <a href={href.compliance(id)}>Compliance report</a>
        </p>
      </div>
    );
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
  const shownReport: ComplianceReport | null = check ? { findings: draftFindings(check, false), errors: check.errors, warnings: check.warnings } : report;
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
          findings={shownReport?.findings ?? []}
          starts={starts}
          sceneLength={sceneLength}
          purpose={purpose}
          onChange={hist.set}
          onMove={move}
          edits={edits}
          sceneTools={(scene) =>
            job.status === "completed" ? (
              <ScenePanel
                key={scene}
                job={job}
                scene={scene}
                script={script?.scenes.find((s) => s.index === scene)}
                chainedNext={!!script?.scenes.find((s) => s.index === scene + 1)?.continues_previous}
                reload={reload}
                onDraft={(t, etag) => {
                  revision.current = etag;
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
            <button type="button" className="secondary" data-focus-id="add-super" onClick={addSuper} disabled={!!busy}>
              Add a super
            </button>
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
        {check && check.findings.length > 0 && (
          <ul className="draft-findings" data-testid="draft-findings" aria-label="What the draft check found">
            {draftFindings(check).map((f, i) => (
              <li key={`${f.rule}-${i}`} className={`sev-${f.severity}`}>
                <strong>{f.severity === "error" ? "Must fix" : "Worth a look"}:</strong> {findingAdvice(f)}
              </li>
            ))}
          </ul>
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

/** A draft check's findings as the report's (`sorted`: errors first, as they are listed). */
function draftFindings(check: DraftCheck, sorted = true): Finding[] {
  const all = check.findings.map((f): Finding => ({ ...f, severity: f.severity === "error" ? "error" : "warning", scene: f.scene ?? null, start_s: f.start_s ?? null, end_s: f.end_s ?? null }));
  return sorted ? [...all.filter((f) => f.severity === "error"), ...all.filter((f) => f.severity !== "error")] : all;
}
