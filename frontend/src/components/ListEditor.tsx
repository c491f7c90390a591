// An editable list of short texts (side effects, contraindications): add, remove, reorder, and
// each row's own validation message.

import { useEffect, useRef } from "react";
import { fieldId } from "./ui";

interface Props {
  path: string;
  legend: string;
  itemLabel: string;
  items: string[];
  onChange(items: string[]): void;
  errors: Record<string, string>;
  help?: string;
  max?: number;
  placeholder?: string;
}

export function ListEditor({ path, legend, itemLabel, items, onChange, errors, help, max = 20, placeholder }: Props) {
  const listError = errors[path];
  const focusIndex = useRef<number | null>(null);
  const inputs = useRef<(HTMLInputElement | null)[]>([]);

  useEffect(() => {
    if (focusIndex.current !== null) {
      inputs.current[Math.min(focusIndex.current, items.length - 1)]?.focus();
      focusIndex.current = null;
    }
  });

  const set = (i: number, v: string) => onChange(items.map((x, j) => (j === i ? v : x)));
  const remove = (i: number) => {
    focusIndex.current = Math.max(0, i - 1);
    onChange(items.filter((_, j) => j !== i));
  };
  const move = (i: number, d: -1 | 1) => {
    const next = items.slice();
    [next[i], next[i + d]] = [next[i + d], next[i]];
    focusIndex.current = i + d;
    onChange(next);
  };
  const add = () => {
    focusIndex.current = items.length;
    onChange([...items, ""]);
  };

  return (
    <fieldset className={`list-editor ${listError ? "has-error" : ""}`} id={fieldId(path)} tabIndex={-1} aria-describedby={listError ? `${fieldId(path)}-error` : undefined}>
      <legend>{legend}</legend>
      {help && <p className="help">{help}</p>}
      {listError && (
        <p className="field-error" id={`${fieldId(path)}-error`}>
          {listError}
        </p>
      )}
      <ol className="list-items">
        {items.map((item, i) => {
          const p = `${path}.${i}`;
          const err = errors[p];
          return (
            <li key={i} className={err ? "has-error" : ""}>
              <div className="list-row">
                <label className="visually-hidden" htmlFor={fieldId(p)}>
                  {itemLabel} {i + 1}
                </label>
                <input
                  id={fieldId(p)}
                  ref={(el) => {
                    inputs.current[i] = el;
                  }}
                  value={item}
                  maxLength={300}
                  placeholder={placeholder}
                  aria-invalid={err ? true : undefined}
                  aria-describedby={err ? `${fieldId(p)}-error` : undefined}
                  onChange={(e) => set(i, e.target.value)}
                  onKeyDown={(e) => {
                    if (e.key === "Enter") {
                      e.preventDefault();
                      if (items.length < max) add();
                    }
                  }}
                />
                <button type="button" className="icon" aria-label={`Move ${itemLabel.toLowerCase()} ${i + 1} up`} disabled={i === 0} onClick={() => move(i, -1)}>
                  ↑
                </button>
                <button
                  type="button"
                  className="icon"
                  aria-label={`Move ${itemLabel.toLowerCase()} ${i + 1} down`}
                  disabled={i === items.length - 1}
                  onClick={() => move(i, 1)}
                >
                  ↓
                </button>
                <button type="button" className="icon danger" aria-label={`Remove ${itemLabel.toLowerCase()} ${i + 1}`} onClick={() => remove(i)}>
                  ×
                </button>
              </div>
              {err && (
                <p className="field-error" id={`${fieldId(p)}-error`}>
                  {err}
                </p>
              )}
            </li>
          );
        })}
      </ol>
      <button type="button" className="secondary" onClick={add} disabled={items.length >= max}>
        Add {itemLabel.toLowerCase()}
      </button>
    </fieldset>
  );
}
