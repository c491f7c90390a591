// The music bed's gain, duck depth under speech and fades, as sliders.

import type { MusicBed } from "../../lib/types";

const CONTROLS = [
  ["gain_db", "Gain", -40, 6, 0.5, "dB"],
  ["duck_db", "Duck under speech", 0, 40, 0.5, "dB"],
  ["fade_in_s", "Fade in", 0, 10, 0.1, "s"],
  ["fade_out_s", "Fade out", 0, 10, 0.1, "s"],
] as const;

export function MusicControls({ music, onChange }: { music: MusicBed | null; onChange(patch: Partial<MusicBed>): void }) {
  if (!music) return <p className="muted">This edit has no music bed.</p>;
  return (
    <div className="music-controls">
      {CONTROLS.map(([key, label, min, max, step, unit]) => (
        <div className="field range" key={key}>
          <label htmlFor={`music-${key}`}>
            {label}: <output htmlFor={`music-${key}`}>{music[key]} {unit}</output>
          </label>
          <input
            id={`music-${key}`}
            type="range"
            min={min}
            max={max}
            step={step}
            value={music[key]}
            aria-valuetext={`${music[key]} ${unit}`}
            onChange={(e) => onChange({ [key]: Number(e.target.value) })}
          />
        </div>
      ))}
    </div>
  );
}
