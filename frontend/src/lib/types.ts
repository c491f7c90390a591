// The API's data, as the OpenAPI schema at /api/v1/openapi.json describes it.

export type JobStatus =
  | "queued"
  | "generating_script"
  | "generating_videos"
  | "generating_music"
  | "composing"
  | "completed"
  | "failed"
  | "cancelled";

export const TERMINAL: ReadonlySet<string> = new Set(["completed", "failed", "cancelled"]);
export const isTerminal = (s: string): boolean => TERMINAL.has(s);

export type AspectRatio = "16:9" | "9:16" | "1:1";
export type Resolution = "1080p" | "720p" | "480p" | "360p";
export type Continuity = "auto" | "chain" | "parallel";
export type AdType = "product_claim" | "reminder" | "help_seeking";

export interface Product {
  brand_name: string;
  generic_name: string;
  indication: string;
  dosage?: string | null;
  side_effects: string[];
  contraindications: string[];
  boxed_warning?: string | null;
  image?: string | null;
  phone?: string | null;
  website?: string | null;
  print_ad?: string | null;
}

export interface Brief {
  prompt: string;
  duration_s: number;
  style?: string;
  aspect_ratio: AspectRatio;
  resolution: Resolution;
  continuity: Continuity;
  ad_type: AdType;
  loudness?: "broadcast" | "web";
  seed?: number;
  product: Product;
  music_mood?: string | null;
}

export type TrackState = "pending" | "running" | "done" | "failed" | "skipped" | "cancelled";

export interface TrackProgress {
  state: TrackState;
  percent: number;
  message: string;
  started_at?: string | null;
  finished_at?: string | null;
  asset?: string | null;
}

export interface ProgressEvent {
  job_id: string;
  seq: number;
  status: JobStatus;
  stage: string;
  percent: number;
  message: string;
  tracks: Record<string, TrackProgress>;
  updated_at: string;
}

export interface JobError {
  step: string;
  message: string;
  detail?: string;
}

export interface Job {
  job_id: string;
  user_id: string;
  brief: Brief;
  status: JobStatus;
  stage: string;
  percent: number;
  message: string;
  tracks: Record<string, TrackProgress>;
  error: JobError | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
  assets: Record<string, string>;
  cost_usd: number;
  compliance: { errors: number; warnings: number; allow_noncompliant?: boolean } | null;
  renders: number;
  seq: number;
  /** Asset URLs signed for one hour: output, poster, captions, script, ... and `track:<name>`. */
  urls: Record<string, string>;
}

export interface JobSummary {
  job_id: string;
  status: JobStatus;
  percent: number;
  brand_name: string;
  prompt: string;
  duration_s: number;
  aspect_ratio: string;
  cost_usd: number;
  created_at: string;
  poster_url: string | null;
  output_url: string | null;
}

export interface JobPage {
  items: JobSummary[];
  next_cursor: string | null;
}

export interface GenerateAccepted {
  job_id: string;
  status: JobStatus;
}

export interface ComposeAccepted {
  job_id: string;
  version: number;
  output_key: string;
}

export interface UploadTicket {
  key: string;
  url: string;
  method: "PUT";
  headers: Record<string, string>;
  expires_at: string;
}

export interface UploadDone {
  key: string;
  width?: number;
  height?: number;
  content_type?: string;
}

export interface EstimateLine {
  capability: string;
  provider: string;
  model: string;
  quantity: number;
  unit: string;
  usd: number;
  /** Expected wall time of this track. */
  seconds: number;
  detail?: string;
}

/** `POST /estimate` (omnigen/pricing.py). */
export interface Estimate {
  providers: string;
  duration_s: number;
  scenes: number;
  continuity: string;
  concurrency: number;
  total_usd: number;
  expected_seconds: number;
  critical_path: string;
  lines: EstimateLine[];
  assumptions?: string[];
}

// --- the timeline (omnigen/timeline.py) -----------------------------------------------------

export type Transition = "cut" | "dissolve";
export type TextKind = "super" | "major_statement" | "end_card";
export type TextPosition = "lower_third" | "center" | "top";

export interface OutputSettings {
  width: number;
  height: number;
  fps?: number;
  loudness_lufs?: number;
  [key: string]: unknown;
}

export interface VideoClip {
  scene_index: number;
  asset: string;
  in_s: number;
  out_s: number;
  transition: Transition;
  transition_s: number;
}

export interface VoiceLine {
  scene_index: number;
  asset: string;
  text: string;
  start_s: number;
  duration_s: number;
  major_statement: boolean;
}

export interface MusicBed {
  asset: string;
  gain_db: number;
  duck_db: number;
  duck_attack_s?: number;
  duck_release_s?: number;
  fade_in_s: number;
  fade_out_s: number;
}

export interface TextItem {
  kind: TextKind;
  text: string;
  start_s: number;
  end_s: number;
  position: TextPosition;
  cap_height?: number;
  color?: string;
  plate_color?: string;
  plate_opacity?: number;
  scene_index?: number | null;
}

export interface Timeline {
  version: number;
  output: OutputSettings;
  clips: VideoClip[];
  voice: VoiceLine[];
  music: MusicBed | null;
  texts: TextItem[];
}

// --- compliance -----------------------------------------------------------------------------

export interface Finding {
  rule: string;
  severity: "error" | "warning";
  scene: number | null;
  start_s: number | null;
  end_s: number | null;
  message: string;
  source?: string | null;
}

export interface ComplianceReport {
  findings: Finding[];
  errors: number;
  warnings: number;
  allow_noncompliant?: boolean;
  version?: number;
}

export interface Scene {
  index: number;
  duration_s: number;
  purpose: string;
  shot?: string;
  voiceover?: string;
}

export interface Script {
  title?: string;
  scenes: Scene[];
}
