// The create form's model: what the inputs hold, the brief sent to the API, and the preset
// templates (the project's example briefs in shared/briefs).

import type { AdType, AspectRatio, Brief, Continuity, Product, Resolution } from "./types";

/** The brief the form sends: every field the form has is set (the API's own defaults fill
 *  only what the form does not ask for: loudness, seed). */
export type FormBrief = Omit<Brief, "product"> &
  Required<Pick<Brief, "duration_s" | "style" | "aspect_ratio" | "resolution" | "continuity" | "ad_type">> & {
    product: Product & Required<Pick<Product, "side_effects" | "contraindications">>;
  };

export interface ProductForm {
  brand_name: string;
  generic_name: string;
  indication: string;
  dosage: string;
  side_effects: string[];
  contraindications: string[];
  boxed_warning: string;
  image: string | null;
  phone: string;
  website: string;
  print_ad: string;
}

export interface BriefForm {
  prompt: string;
  duration_s: number;
  style: string;
  aspect_ratio: AspectRatio;
  resolution: Resolution;
  continuity: Continuity;
  ad_type: AdType;
  music_mood: string;
  product: ProductForm;
}

export const DURATION_PRESETS = [15, 30, 60] as const;
export const ASPECT_RATIOS: { value: AspectRatio; label: string }[] = [
  { value: "16:9", label: "16:9 landscape (TV, web)" },
  { value: "9:16", label: "9:16 vertical (stories, reels)" },
  { value: "1:1", label: "1:1 square (feeds)" },
];
export const RESOLUTIONS: Resolution[] = ["1080p", "720p", "480p", "360p"];
export const CONTINUITY: { value: Continuity; label: string; help: string }[] = [
  { value: "auto", label: "Auto", help: "the script decides which shots continue the previous one" },
  { value: "chain", label: "Chain", help: "every scene starts on the previous scene's last frame (slower, smoother)" },
  { value: "parallel", label: "Parallel", help: "every scene renders at once (fastest)" },
  {
    value: "keyframes",
    label: "Keyframes",
    help: "a still per cut first, then every scene at once from its still (continuity at parallel speed)",
  },
];
export const AD_TYPES: { value: AdType; label: string }[] = [
  { value: "product_claim", label: "Product claim (names the drug and its use)" },
  { value: "reminder", label: "Reminder (names the drug, no use)" },
  { value: "help_seeking", label: "Help-seeking (names the condition, no drug)" },
];

export function emptyForm(): BriefForm {
  return {
    prompt: "",
    duration_s: 30,
    style: "",
    aspect_ratio: "16:9",
    resolution: "1080p",
    continuity: "auto",
    ad_type: "product_claim",
    music_mood: "",
    product: {
      brand_name: "",
      generic_name: "",
      indication: "",
      dosage: "",
      side_effects: [""],
      contraindications: [],
      boxed_warning: "",
      image: null,
      phone: "",
      website: "",
      print_ad: "",
    },
  };
}

const opt = (s: string): string | null => (s.trim() ? s.trim() : null);

export type ListName = "side_effects" | "contraindications";

/** Which form row each sent list item came from (blank rows are not sent). */
export type IndexMap = Record<ListName, number[]>;

export function toBrief(form: BriefForm): { brief: FormBrief; indexMap: IndexMap } {
  const indexMap: IndexMap = { side_effects: [], contraindications: [] };
  const list = (name: ListName) =>
    form.product[name].flatMap((v, i) => (v.trim() ? (indexMap[name].push(i), [v.trim()]) : []));
  const p = form.product;
  const brief: FormBrief = {
    prompt: form.prompt.trim(),
    duration_s: form.duration_s,
    style: form.style.trim(),
    aspect_ratio: form.aspect_ratio,
    resolution: form.resolution,
    continuity: form.continuity,
    ad_type: form.ad_type,
    music_mood: opt(form.music_mood),
    product: {
      brand_name: p.brand_name.trim(),
      generic_name: p.generic_name.trim(),
      indication: p.indication.trim(),
      dosage: opt(p.dosage),
      side_effects: list("side_effects"),
      contraindications: list("contraindications"),
      boxed_warning: opt(p.boxed_warning),
      image: p.image,
      phone: opt(p.phone),
      website: opt(p.website),
      print_ad: opt(p.print_ad),
    },
  };
  return { brief, indexMap };
}

/** Map the API's field paths back to form paths (list indices of the rows the user sees). */
export function formFieldErrors(fields: Record<string, string>, indexMap: IndexMap): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [path, message] of Object.entries(fields)) {
    const m = /^product\.(side_effects|contraindications)\.(\d+)$/.exec(path);
    const key = m ? `product.${m[1]}.${indexMap[m[1] as ListName][Number(m[2])] ?? m[2]}` : path;
    out[key] = out[key] ? `${out[key]}; ${message}` : message;
  }
  return out;
}

export function fromBrief(b: Partial<Brief> & { product: Brief["product"] }): BriefForm {
  const base = emptyForm();
  return {
    ...base,
    prompt: b.prompt ?? "",
    duration_s: b.duration_s ?? 30,
    style: b.style ?? "",
    aspect_ratio: b.aspect_ratio ?? "16:9",
    resolution: b.resolution ?? base.resolution,
    continuity: b.continuity ?? "auto",
    ad_type: b.ad_type ?? "product_claim",
    music_mood: b.music_mood ?? "",
    product: {
      brand_name: b.product.brand_name ?? "",
      generic_name: b.product.generic_name ?? "",
      indication: b.product.indication ?? "",
      dosage: b.product.dosage ?? "",
      side_effects: b.product.side_effects?.length ? [...b.product.side_effects] : [""],
      contraindications: [...(b.product.contraindications ?? [])],
      boxed_warning: b.product.boxed_warning ?? "",
      image: null,
      phone: b.product.phone ?? "",
      website: b.product.website ?? "",
      print_ad: b.product.print_ad ?? "",
    },
  };
}

export interface Preset {
  id: string;
  name: string;
  summary: string;
  brief: Partial<Brief> & { product: Brief["product"] };
}

export const PRESETS: Preset[] = [
  {
    id: "psoriasis-30",
    name: "Biologic, 30 s, 16:9",
    summary: "A gardener with plaque psoriasis; four major risks; no boxed warning.",
    brief: {
      prompt:
        "A hopeful spot: a woman in her fifties with plaque psoriasis gets back to tending her rose garden and to hugging her grandchildren without hiding her arms.",
      duration_s: 30,
      style: "warm, cinematic, golden-hour natural light, shallow depth of field",
      aspect_ratio: "16:9",
      continuity: "auto",
      music_mood: "gentle uplifting acoustic guitar and soft piano",
      product: {
        brand_name: "Veltrexa",
        generic_name: "veltrexamab-abcd",
        indication: "moderate to severe plaque psoriasis in adults who may benefit from injections or pills",
        dosage: "one injection under the skin every 4 weeks, after two starter doses",
        side_effects: [
          "serious infections, including tuberculosis",
          "allergic reactions",
          "headache",
          "upper respiratory infections",
        ],
        contraindications: ["a serious allergic reaction to veltrexamab or any of its ingredients"],
        boxed_warning: null,
        phone: "1-800-555-0142",
        website: "veltrexa.example",
        print_ad: "See our ad in Health Today magazine",
      },
    },
  },
  {
    id: "anticoagulant-60",
    name: "Anticoagulant, 60 s, boxed warning",
    summary: "A couple's coastal bike rides; the label has a boxed warning; chained shots.",
    brief: {
      prompt:
        "A retired couple keeps their Sunday ritual of long bike rides along the coast after his atrial fibrillation diagnosis; calm, confident, everyday moments.",
      duration_s: 60,
      style: "bright coastal daylight, documentary handheld, real textures",
      aspect_ratio: "16:9",
      continuity: "chain",
      music_mood: "warm optimistic strings, steady tempo",
      product: {
        brand_name: "Corvanta",
        generic_name: "rivaxolate",
        indication:
          "to lower the risk of stroke and blood clots in adults with atrial fibrillation not caused by a heart valve problem",
        dosage: "one tablet once a day with the evening meal",
        side_effects: [
          "serious and sometimes fatal bleeding",
          "spinal or epidural blood clots in people who have spinal injections or punctures",
          "bruising more easily",
        ],
        contraindications: ["active serious bleeding", "an artificial heart valve"],
        boxed_warning:
          "Do not stop taking Corvanta without talking to your doctor, as stopping increases your risk of stroke. Spinal or epidural blood clots can occur in people who take Corvanta and receive spinal injections or punctures, and can cause paralysis.",
        phone: "1-800-555-0177",
        website: "corvanta.example",
        print_ad: "See our ad in Prevention Weekly",
      },
    },
  },
  {
    id: "allergy-vertical-30",
    name: "Nasal spray, 30 s, 9:16",
    summary: "A vertical social cut in a blooming park; every scene renders at once.",
    brief: {
      prompt:
        "Fast, bright social spot: a young professional with seasonal allergies walks through a blooming city park on her way to work, breathing easy.",
      duration_s: 30,
      style: "vivid, modern, crisp, handheld phone-camera feel",
      aspect_ratio: "9:16",
      continuity: "parallel",
      music_mood: "light upbeat electronic pop, no vocals",
      product: {
        brand_name: "Aerisol",
        generic_name: "fluticaprone nasal spray",
        indication: "nasal symptoms of seasonal and year-round allergies in adults and children 12 years and older",
        dosage: "two sprays in each nostril once a day",
        side_effects: [
          "nosebleeds",
          "slow wound healing in the nose",
          "eye problems such as glaucoma or cataracts",
          "weakened immune system and higher chance of infections",
        ],
        contraindications: ["allergy to any ingredient in Aerisol"],
        boxed_warning: null,
        phone: "1-800-555-0123",
        website: "aerisol.example",
        print_ad: "See our ad in Urban Living magazine",
      },
    },
  },
];

/** A random key per submitted brief so a retried POST /generate never makes a second job. */
export function newIdempotencyKey(): string {
  return typeof crypto !== "undefined" && "randomUUID" in crypto
    ? crypto.randomUUID()
    : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}
