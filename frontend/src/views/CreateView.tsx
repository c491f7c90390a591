// Create: the brief form, preset templates, a live cost and time estimate, and the API's
// validation errors shown at the fields they are about.

import { useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import { ImageUpload } from "../components/ImageUpload";
import { ListEditor } from "../components/ListEditor";
import { Notice, SelectField, TextArea, TextField, ViewHeading, fieldId } from "../components/ui";
import { ApiError } from "../lib/api";
import {
  AD_TYPES,
  ASPECT_RATIOS,
  CONTINUITY,
  DURATION_PRESETS,
  PRESETS,
  RESOLUTIONS,
  emptyForm,
  formFieldErrors,
  fromBrief,
  newIdempotencyKey,
  toBrief,
  type BriefForm,
  type ProductForm,
} from "../lib/brief";
import { formatSeconds, formatUsd, humanize } from "../lib/format";
import { href, navigate } from "../lib/router";
import { useServices } from "../lib/services";
import type { Brief, Estimate } from "../lib/types";

const LABELS: Record<string, string> = {
  prompt: "Prompt",
  duration_s: "Duration",
  style: "Style",
  aspect_ratio: "Aspect ratio",
  resolution: "Resolution",
  continuity: "Continuity",
  ad_type: "Ad type",
  music_mood: "Music mood",
  "product.brand_name": "Brand name",
  "product.generic_name": "Generic name",
  "product.indication": "Indication",
  "product.dosage": "Dosage",
  "product.side_effects": "Side effects",
  "product.contraindications": "Contraindications",
  "product.boxed_warning": "Boxed warning",
  "product.image": "Product image",
  "product.phone": "Toll-free phone",
  "product.website": "Website",
  "product.print_ad": "Print ad",
};

function labelFor(path: string): string {
  const m = /^product\.(side_effects|contraindications)\.(\d+)$/.exec(path);
  if (m) return `${m[1] === "side_effects" ? "Side effect" : "Contraindication"} ${Number(m[2]) + 1}`;
  return LABELS[path] ?? (path || "Brief");
}

/** The element to focus for an error: the field itself, else its list, else nothing. */
function focusField(path: string): void {
  let p = path;
  while (p) {
    const el = document.getElementById(fieldId(p));
    if (el) {
      el.focus();
      el.scrollIntoView?.({ block: "center" });
      return;
    }
    p = p.includes(".") ? p.slice(0, p.lastIndexOf(".")) : "";
  }
}

function ready(brief: Brief): boolean {
  const p = brief.product;
  return brief.prompt.length >= 10 && !!p.brand_name && !!p.generic_name && !!p.indication;
}

export function CreateView({ from }: { from?: string }) {
  const { api } = useServices();
  const [form, setForm] = useState<BriefForm>(emptyForm);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const [uploading, setUploading] = useState(false);
  const [estimate, setEstimate] = useState<{ kind: "idle" | "loading" | "ok" | "error"; value?: Estimate; text?: string }>({ kind: "idle" });
  const summaryRef = useRef<HTMLDivElement>(null);
  // Each failed submit bumps this; the effect runs after React has put the summary on the page.
  // (A timer set in the handler could fire before that, and then focus never moved.)
  const [summaryShown, setSummaryShown] = useState(0);
  useEffect(() => {
    if (summaryShown) summaryRef.current?.focus();
  }, [summaryShown]);

  const { brief, indexMap } = useMemo(() => toBrief(form), [form]);
  const briefJson = JSON.stringify(brief);
  // One key per distinct brief: a retried submit of the same brief can never make two jobs.
  const idemKey = useMemo(() => (briefJson ? newIdempotencyKey() : ""), [briefJson]);

  useEffect(() => {
    if (!from) return;
    let live = true;
    api.getJob(from).then(
      (job) => live && setForm(fromBrief(job.brief)),
      (e: unknown) => live && setFormError(`Cannot load that job's brief: ${(e as Error).message}`),
    );
    return () => {
      live = false;
    };
  }, [api, from]);

  // The estimate follows the form (debounced), once it has what any estimate needs.
  useEffect(() => {
    if (!ready(brief)) {
      setEstimate({ kind: "idle" });
      return;
    }
    let live = true;
    const t = setTimeout(() => {
      setEstimate((e) => ({ ...e, kind: "loading" }));
      api.estimate(brief).then(
        (value) => live && setEstimate({ kind: "ok", value }),
        (e: unknown) =>
          live &&
          setEstimate({
            kind: "error",
            text: e instanceof ApiError && e.status === 422 ? "Complete the highlighted fields to get an estimate." : `No estimate right now (${(e as Error).message}).`,
          }),
      );
    }, 500);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [api, briefJson]);

  const clearError = (path: string) =>
    setErrors((errs) => {
      if (!Object.keys(errs).some((k) => k === path || k.startsWith(`${path}.`))) return errs;
      return Object.fromEntries(Object.entries(errs).filter(([k]) => k !== path && !k.startsWith(`${path}.`)));
    });

  function set<K extends keyof BriefForm>(key: K, value: BriefForm[K]) {
    setForm((f) => ({ ...f, [key]: value }));
    clearError(String(key));
  }
  function setProduct<K extends keyof ProductForm>(key: K, value: ProductForm[K]) {
    setForm((f) => ({ ...f, product: { ...f.product, [key]: value } }));
    clearError(`product.${String(key)}`);
  }

  const applyPreset = (id: string) => {
    const preset = PRESETS.find((p) => p.id === id);
    setForm(preset ? { ...fromBrief(preset.brief), resolution: form.resolution } : emptyForm());
    setErrors({});
    setFormError(null);
  };


  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (uploading) {
      setFormError("Wait for the product image to finish uploading.");
      return;
    }
    setSubmitting(true);
    setFormError(null);
    setErrors({});
    try {
      const accepted = await api.generate(brief, idemKey);
      navigate(href.progress(accepted.job_id));
    } catch (err) {
      const apiErr = err instanceof ApiError ? err : new ApiError(0, "Error", String(err));
      if (apiErr.errors.length) {
        const mapped = formFieldErrors(apiErr.fields, indexMap);
        setErrors(mapped);
        setFormError(`The brief needs ${Object.keys(mapped).length === 1 ? "one fix" : `${Object.keys(mapped).length} fixes`} before the ad can be made.`);
      } else {
        setFormError(apiErr.message);
      }
      setSummaryShown((n) => n + 1);
    } finally {
      setSubmitting(false);
    }
  };

  const p = form.product;
  const customDuration = !DURATION_PRESETS.includes(form.duration_s as 15 | 30 | 60);
  const errorEntries = Object.entries(errors);
  const est = estimate.value;

  return (
    <div className="create">
      <ViewHeading>Create an ad</ViewHeading>
      {from && <Notice>Loaded the brief of job {from}. The product image is not copied; upload it again if you need it.</Notice>}
      <section aria-labelledby="presets-h" className="presets">
        <h2 id="presets-h">Start from a template</h2>
        <ul className="preset-list">
          {PRESETS.map((preset) => (
            <li key={preset.id}>
              <button type="button" className="preset" onClick={() => applyPreset(preset.id)}>
                <strong>{preset.name}</strong>
                <span>{preset.summary}</span>
              </button>
            </li>
          ))}
          <li>
            <button type="button" className="preset" onClick={() => applyPreset("")}>
              <strong>Blank brief</strong>
              <span>Start from empty fields.</span>
            </button>
          </li>
        </ul>
      </section>

      <form className="brief-form" onSubmit={submit} noValidate aria-describedby={formError ? "form-summary" : undefined}>
        <div className="form-main">
          {(formError || errorEntries.length > 0) && (
            <div className="notice notice-error error-summary" id="form-summary" role="alert" tabIndex={-1} ref={summaryRef}>
              <h2>{formError ?? "Fix these fields"}</h2>
              {errorEntries.length > 0 && (
                <ul>
                  {errorEntries.map(([path, msg]) => (
                    <li key={path}>
                      <button type="button" className="link" onClick={() => focusField(path)}>
                        {labelFor(path)}: {msg}
                      </button>
                    </li>
                  ))}
                </ul>
              )}
            </div>
          )}

          <fieldset>
            <legend>The ad</legend>
            <TextArea
              path="prompt"
              label="Prompt"
              help="What the ad shows and how it should feel (10–2000 characters)."
              rows={4}
              maxLength={2000}
              required
              value={form.prompt}
              error={errors.prompt}
              onChange={(e) => set("prompt", e.target.value)}
            />

            <fieldset className={`inline-choices ${errors.duration_s ? "has-error" : ""}`} id={fieldId("duration_s")} tabIndex={-1}>
              <legend>Duration</legend>
              {DURATION_PRESETS.map((d) => (
                <label key={d} className="choice">
                  <input type="radio" name="duration" checked={form.duration_s === d} onChange={() => set("duration_s", d)} />
                  {d} s
                </label>
              ))}
              <label className="choice">
                <input type="radio" name="duration" checked={customDuration} onChange={() => set("duration_s", 20)} />
                Custom
              </label>
              {customDuration && (
                <span className="inline-number">
                  <input
                    type="number"
                    min={10}
                    max={120}
                    step={1}
                    aria-label="Custom duration in seconds"
                    aria-describedby="duration-range"
                    value={form.duration_s}
                    aria-invalid={errors.duration_s ? true : undefined}
                    onChange={(e) => set("duration_s", Number(e.target.value))}
                  />{" "}
                  <span id="duration-range">s (10–120)</span>
                </span>
              )}
              {errors.duration_s && <p className="field-error">{errors.duration_s}</p>}
            </fieldset>

            <TextField
              path="style"
              label="Style"
              help="Look and feel: light, camera, palette."
              maxLength={300}
              value={form.style}
              error={errors.style}
              onChange={(e) => set("style", e.target.value)}
            />

            <fieldset className={`inline-choices ${errors.aspect_ratio ? "has-error" : ""}`} id={fieldId("aspect_ratio")} tabIndex={-1}>
              <legend>Aspect ratio</legend>
              {ASPECT_RATIOS.map((a) => (
                <label key={a.value} className="choice aspect">
                  <input type="radio" name="aspect" value={a.value} checked={form.aspect_ratio === a.value} onChange={() => set("aspect_ratio", a.value)} />
                  <span className={`aspect-box ar-${a.value.replace(":", "-")}`} aria-hidden="true" />
                  {a.label}
                </label>
              ))}
              {errors.aspect_ratio && <p className="field-error">{errors.aspect_ratio}</p>}
            </fieldset>

            <div className="row">
              <SelectField
                path="resolution"
                label="Resolution"
                help="The short side of the frame."
                value={form.resolution}
                error={errors.resolution}
                options={RESOLUTIONS.map((r) => ({ value: r, label: r }))}
                onChange={(e) => set("resolution", e.target.value as BriefForm["resolution"])}
              />
              <SelectField
                path="continuity"
                label="Continuity"
                help={CONTINUITY.find((c) => c.value === form.continuity)?.help}
                value={form.continuity}
                error={errors.continuity}
                options={CONTINUITY}
                onChange={(e) => set("continuity", e.target.value as BriefForm["continuity"])}
              />
            </div>
            <div className="row">
              <SelectField
                path="ad_type"
                label="Ad type"
                value={form.ad_type}
                error={errors.ad_type}
                options={AD_TYPES}
                onChange={(e) => set("ad_type", e.target.value as BriefForm["ad_type"])}
              />
              <TextField
                path="music_mood"
                label="Music mood (optional)"
                maxLength={200}
                value={form.music_mood}
                error={errors.music_mood}
                onChange={(e) => set("music_mood", e.target.value)}
              />
            </div>
          </fieldset>

          <fieldset>
            <legend>The product (from the approved label)</legend>
            <div className="row">
              <TextField
                path="product.brand_name"
                label="Brand name"
                required
                maxLength={300}
                value={p.brand_name}
                error={errors["product.brand_name"]}
                onChange={(e) => setProduct("brand_name", e.target.value)}
              />
              <TextField
                path="product.generic_name"
                label="Generic name"
                required
                maxLength={300}
                value={p.generic_name}
                error={errors["product.generic_name"]}
                onChange={(e) => setProduct("generic_name", e.target.value)}
              />
            </div>
            <TextArea
              path="product.indication"
              label="Indication"
              help="The approved use, in plain words."
              required
              rows={2}
              maxLength={1500}
              value={p.indication}
              error={errors["product.indication"]}
              onChange={(e) => setProduct("indication", e.target.value)}
            />
            <TextField
              path="product.dosage"
              label="Dosage (optional)"
              maxLength={1500}
              value={p.dosage}
              error={errors["product.dosage"]}
              onChange={(e) => setProduct("dosage", e.target.value)}
            />
            <ListEditor
              path="product.side_effects"
              legend="Side effects (major risks)"
              itemLabel="Side effect"
              help="Spoken and shown in the major statement. A product-claim ad needs at least one."
              items={p.side_effects}
              errors={errors}
              onChange={(v) => setProduct("side_effects", v)}
            />
            <ListEditor
              path="product.contraindications"
              legend="Contraindications"
              itemLabel="Contraindication"
              help="Who should not take it."
              items={p.contraindications}
              errors={errors}
              onChange={(v) => setProduct("contraindications", v)}
            />
            <TextArea
              path="product.boxed_warning"
              label="Boxed warning (when the label has one)"
              rows={3}
              maxLength={1500}
              value={p.boxed_warning}
              error={errors["product.boxed_warning"]}
              onChange={(e) => setProduct("boxed_warning", e.target.value)}
            />
            <ImageUpload path="product.image" value={p.image} error={errors["product.image"]} onChange={(key) => setProduct("image", key)} onBusyChange={setUploading} />
          </fieldset>

          <fieldset>
            <legend>Adequate provision (where viewers find the full information)</legend>
            <div className="row">
              <TextField
                path="product.phone"
                label="Toll-free phone"
                type="tel"
                autoComplete="off"
                maxLength={40}
                placeholder="1-800-555-0100"
                value={p.phone}
                error={errors["product.phone"]}
                onChange={(e) => setProduct("phone", e.target.value)}
              />
              <TextField
                path="product.website"
                label="Website"
                maxLength={200}
                placeholder="brand.example"
                value={p.website}
                error={errors["product.website"]}
                onChange={(e) => setProduct("website", e.target.value)}
              />
            </div>
            <TextField
              path="product.print_ad"
              label="Print ad reference"
              maxLength={300}
              placeholder="See our ad in … magazine"
              value={p.print_ad}
              error={errors["product.print_ad"]}
              onChange={(e) => setProduct("print_ad", e.target.value)}
            />
          </fieldset>
        </div>

        <aside className="form-side" aria-labelledby="estimate-h">
          <div className="card sticky">
            <h2 id="estimate-h">Estimate</h2>
            <div aria-live="polite" className="estimate" data-testid="estimate">
              {estimate.kind === "idle" && <p className="muted">Fill in the prompt and the product to see the cost and time.</p>}
              {estimate.kind === "loading" && !est && <p className="muted">Estimating…</p>}
              {est && (
                <>
                  <dl className="estimate-figures">
                    <div>
                      <dt>Cost</dt>
                      <dd data-testid="estimate-cost">{formatUsd(est.total_usd)}</dd>
                    </div>
                    <div>
                      <dt>Time</dt>
                      <dd data-testid="estimate-time">about {formatSeconds(est.expected_seconds, 0)}</dd>
                    </div>
                  </dl>
                  <p className="muted small">
                    {est.scenes} scenes · {est.providers} providers
                  </p>
                  {est.lines.length > 0 && (
                    <details>
                      <summary>Breakdown</summary>
                      <ul className="plain estimate-lines">
                        {est.lines.map((l) => (
                          <li key={l.capability}>
                            <strong>{humanize(l.capability)}</strong> {formatUsd(l.usd)} · {formatSeconds(l.seconds, 0)}
                            <div className="muted small">
                              {l.provider === "local" ? "offline" : l.model}
                              {l.detail ? ` · ${l.detail}` : ""}
                            </div>
                          </li>
                        ))}
                      </ul>
                      {est.critical_path && <p className="muted small">Slowest path: {est.critical_path}</p>}
                    </details>
                  )}
                </>
              )}
              {estimate.kind === "error" && <p className="muted">{estimate.text}</p>}
            </div>
            <p className="muted small form-side-summary">
              {form.duration_s} s · {form.aspect_ratio} · {form.resolution}
            </p>
            <button type="submit" className="primary wide" disabled={submitting}>
              {submitting ? "Submitting…" : "Generate ad"}
            </button>
          </div>
        </aside>
      </form>
    </div>
  );
}
