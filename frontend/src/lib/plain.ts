// Messages a producer can act on. The API's validation errors come from its models (pydantic's
// "String should have at least 1 character"), and some of its messages were written for the
// command line ("re-compose with --allow-noncompliant"). The web app says the same in plain
// words: what is wrong, where, and what to do, never a CLI flag or a model's wording.

/** The thing a field path names, for the brief (`product.side_effects.0`) and the timeline
 *  (`clips.2.out_s`), as a person calls it. */
const FIELD_NAMES: Record<string, string> = {
  prompt: "The prompt",
  duration_s: "The length",
  style: "The style",
  aspect_ratio: "The aspect ratio",
  resolution: "The resolution",
  continuity: "Continuity",
  ad_type: "The ad type",
  music_mood: "The music mood",
  loudness: "The loudness target",
  seed: "The seed",
  "product.brand_name": "The brand name",
  "product.generic_name": "The generic name",
  "product.indication": "The indication",
  "product.dosage": "The dosage",
  "product.side_effects": "The side effects",
  "product.contraindications": "The contraindications",
  "product.boxed_warning": "The boxed warning",
  "product.image": "The product image",
  "product.phone": "The toll-free number",
  "product.website": "The website",
  "product.print_ad": "The print-ad reference",
};

const ITEM_NAMES: Record<string, string> = { clips: "Clip", voice: "Voice line", texts: "Text item", side_effects: "Side effect", contraindications: "Contraindication" };

const PART_NAMES: Record<string, string> = {
  in_s: "in point",
  out_s: "out point",
  transition: "transition",
  transition_s: "dissolve length",
  asset: "media file",
  scene_index: "scene",
  text: "words",
  start_s: "start",
  end_s: "end",
  duration_s: "length",
  position: "position",
  kind: "kind",
  cap_height: "text size",
  color: "text colour",
  plate_color: "plate colour",
  plate_opacity: "plate opacity",
  gain_db: "gain",
  duck_db: "duck depth",
  fade_in_s: "fade-in",
  fade_out_s: "fade-out",
  width: "width",
  height: "height",
  fps: "frame rate",
};

/** "clips.2.out_s" → "Clip 3's out point"; "product.side_effects.0" → "Side effect 1". */
export function fieldName(path: string): string {
  if (!path) return "";
  if (FIELD_NAMES[path]) return FIELD_NAMES[path];
  const parts = path.split(".");
  if (parts[0] === "product" && parts.length === 3 && /^\d+$/.test(parts[2]) && ITEM_NAMES[parts[1]]) return `${ITEM_NAMES[parts[1]]} ${Number(parts[2]) + 1}`;
  if (ITEM_NAMES[parts[0]] && parts.length >= 2 && /^\d+$/.test(parts[1])) {
    const item = `${ITEM_NAMES[parts[0]]} ${Number(parts[1]) + 1}`;
    const rest = parts.slice(2).join(".");
    return rest ? `${item}'s ${PART_NAMES[rest] ?? rest.replace(/_/g, " ")}` : item;
  }
  if (parts[0] === "music" && parts[1]) return `The music ${PART_NAMES[parts[1]] ?? parts[1].replace(/_/g, " ")}`;
  if (parts[0] === "output" && parts[1]) return `The output ${PART_NAMES[parts[1]] ?? parts[1].replace(/_/g, " ")}`;
  const last = parts[parts.length - 1];
  const name = PART_NAMES[last] ?? last.replace(/_/g, " ");
  return name.charAt(0).toUpperCase() + name.slice(1);
}

const n = (s: string) => Number(s);
const chars = (k: number) => (k === 1 ? "character" : "characters");

/** A model's validation wording → what a person is told; unknown text passes through. */
const MESSAGES: [RegExp, (m: RegExpExecArray) => string][] = [
  [/^String should have at least (\d+) characters?$/i, (m) => (n(m[1]) <= 1 ? "cannot be empty: write something here" : `needs at least ${m[1]} ${chars(n(m[1]))}`)],
  [/^String should have at most (\d+) characters?$/i, (m) => `is too long: keep it to ${m[1]} ${chars(n(m[1]))}`],
  [/^List should have at least (\d+) items? after validation.*$/i, (m) => (n(m[1]) <= 1 ? "needs at least one entry" : `needs at least ${m[1]} entries`)],
  [/^List should have at most (\d+) items? after validation.*$/i, (m) => `has too many entries: keep it to ${m[1]}`],
  [/^Input should be greater than or equal to (-?[\d.]+)$/i, (m) => `is too small: make it ${m[1]} or more`],
  [/^Input should be greater than (-?[\d.]+)$/i, (m) => `is too small: make it more than ${m[1]}`],
  [/^Input should be less than or equal to (-?[\d.]+)$/i, (m) => `is too large: make it ${m[1]} or less`],
  [/^Input should be less than (-?[\d.]+)$/i, (m) => `is too large: make it less than ${m[1]}`],
  [/^Input should be a finite number$/i, () => "must be an ordinary number"],
  [/^Input should be a valid (number|integer|float).*$/i, (m) => (m[1] === "integer" ? "must be a whole number" : "must be a number")],
  [/^Input should be a valid string.*$/i, () => "must be text"],
  [/^Input should be a valid boolean.*$/i, () => "must be yes or no"],
  [/^Input should be ('[^']*'(?:, '[^']*')*(?: or '[^']*')?)$/i, (m) => `must be one of ${m[1].replace(/'/g, "")}`],
  [/^Field required$/i, () => "is required: fill it in"],
  [/^Missing$/i, () => "is required: fill it in"],
  [/^Extra inputs are not permitted$/i, () => "is not something this form sends; reload the page and try again"],
  [/^String should match pattern .*$/i, () => "is not in the expected form"],
];

/** Phrases written for the command line, and what the web app says instead. */
const CLI_PHRASES: [RegExp, string][] = [
  [/;?\s*(?:fix it|fix the timeline)? ?or re-compose with --allow-noncompliant(?: \(recorded in the report\))?/gi, "; fix the findings marked on the timeline, then save and re-compose"],
  [/\s*\(?(?:pass|use|with|add|run with)\s+`?--[a-z][a-z0-9-]*`?\)?/gi, ""],
  [/`?--[a-z][a-z0-9-]*`?/gi, "that option"],
];

/** The timeline's own names for things (a text's `kind`), as the workspace shows them. */
const MODEL_NAMES: [RegExp, string][] = [
  [/\bmajor_statement\b/g, "major-statement"],
  [/\bend_card\b/g, "end-card"],
];

/** A message from the API in plain words (model wording translated, CLI flags removed). */
export function plainMessage(message: string): string {
  let text = (message ?? "").trim().replace(/^Value error, /, "");
  for (const [re, say] of MESSAGES) {
    const m = re.exec(text);
    if (m) {
      text = say(m);
      break;
    }
  }
  for (const [re, say] of CLI_PHRASES) text = text.replace(re, say);
  for (const [re, say] of MODEL_NAMES) text = text.replace(re, say);
  return text.replace(/^; /, "").replace(/\s+;/g, ";").trim();
}

/** One field's problem as a sentence: "Clip 3's out point is too large: make it 5 or less." */
export function plainProblem(field: string, message: string): string {
  const what = fieldName(field);
  const said = plainMessage(message);
  const sentence = what ? (/^(is|are|must|needs|cannot|has) /.test(said) ? `${what} ${said}` : `${what}: ${said}`) : said.charAt(0).toUpperCase() + said.slice(1);
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}
