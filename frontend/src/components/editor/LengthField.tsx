// A scene's length, set from its in point: what follows moves with its end (unlike a trim, which
// leaves the rest of the ad where it is). Typed, then applied on Enter or on leaving the field,
// so a half-typed "0." is never taken for a length; a length the rules refuse is said beside it.

import { useEffect, useState } from "react";
import { fieldId } from "../ui";
import { MAX_SCENE_S, MIN_CLIP_S } from "../../lib/timeline";

interface Props {
  scene: number;
  seconds: number;
  /** Apply a new length; returns why it cannot be, or null once applied. */
  onLength(seconds: number): string | null;
}

const shown = (s: number) => String(Math.round(s * 1000) / 1000);

export function LengthField({ scene, seconds, onLength }: Props) {
  const [text, setText] = useState(shown(seconds));
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    setText(shown(seconds));
    setProblem(null);
  }, [seconds]);
  const path = "scene-length";
  const apply = () => {
    const v = text.trim() === "" ? Number.NaN : Number(text);
    if (Number.isFinite(v) && Math.abs(v - seconds) < 5e-4) return setProblem(null);
    const why = Number.isFinite(v) ? onLength(v) : `Write the length in seconds, from ${MIN_CLIP_S} to ${MAX_SCENE_S}.`;
    setProblem(why);
  };
  const describe = `${fieldId(path)}-help${problem ? ` ${fieldId(path)}-error` : ""}`;
  return (
    <div className={`field ${problem ? "has-error" : ""}`}>
      <label htmlFor={fieldId(path)}>Scene length (s)</label>
      <input
        id={fieldId(path)}
        type="number"
        step={0.1}
        min={MIN_CLIP_S}
        max={MAX_SCENE_S}
        value={text}
        aria-invalid={problem ? true : undefined}
        aria-describedby={describe}
        onChange={(e) => setText(e.target.value)}
        onBlur={apply}
        onKeyDown={(e) => {
          if (e.key === "Enter") {
            e.preventDefault();
            apply();
          } else if (e.key === "Escape") {
            setText(shown(seconds));
            setProblem(null);
          }
        }}
      />
      <p className="help" id={`${fieldId(path)}-help`}>
        Enter applies it; what follows scene {scene} moves with its end.
      </p>
      {problem && (
        <p className="field-error" id={`${fieldId(path)}-error`} role="alert">
          {problem}
        </p>
      )}
    </div>
  );
}
