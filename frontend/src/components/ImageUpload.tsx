// The product image: checked here (PNG/JPEG, ≤ 10 MB), previewed at once, uploaded through the
// API's signed-URL flow; the key it returns goes into the brief's product.image.

import { useEffect, useRef, useState } from "react";
import { ApiError } from "../lib/api";
import { useServices } from "../lib/services";
import { fieldId } from "./ui";

export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;
const TYPES = ["image/png", "image/jpeg"];

interface Props {
  path: string;
  value: string | null;
  onChange(key: string | null): void;
  error?: string;
  /** True while an upload is in flight (the form waits for it before submitting). */
  onBusyChange?(busy: boolean): void;
}

export function ImageUpload({ path, value, onChange, error, onBusyChange }: Props) {
  const { api } = useServices();
  const [preview, setPreview] = useState<string | null>(null);
  const [status, setStatus] = useState<{ kind: "idle" | "uploading" | "done" | "error"; text: string }>({ kind: "idle", text: "" });
  const input = useRef<HTMLInputElement>(null);
  const attempt = useRef(0);

  useEffect(() => () => void (preview && URL.revokeObjectURL(preview)), [preview]);

  const pick = async (file: File | undefined) => {
    if (!file) return;
    const n = ++attempt.current;
    if (!TYPES.includes(file.type)) {
      setStatus({ kind: "error", text: `${file.name} is not a PNG or JPEG image.` });
      return;
    }
    if (file.size > MAX_IMAGE_BYTES) {
      setStatus({ kind: "error", text: `${file.name} is ${(file.size / 1048576).toFixed(1)} MB; the limit is 10 MB.` });
      return;
    }
    setPreview(URL.createObjectURL(file));
    onChange(null);
    setStatus({ kind: "uploading", text: `Uploading ${file.name}…` });
    onBusyChange?.(true);
    try {
      const done = await api.upload(file);
      if (n !== attempt.current) return;
      onChange(done.key);
      setStatus({ kind: "done", text: `Uploaded ${file.name}${done.width ? ` (${done.width}×${done.height})` : ""}.` });
    } catch (e) {
      if (n !== attempt.current) return;
      setStatus({ kind: "error", text: e instanceof ApiError ? e.message : `The upload failed: ${String(e)}` });
    } finally {
      if (n === attempt.current) onBusyChange?.(false);
    }
  };

  const clear = () => {
    attempt.current++;
    onBusyChange?.(false);
    setPreview(null);
    setStatus({ kind: "idle", text: "" });
    onChange(null);
    if (input.current) input.current.value = "";
  };

  const shownError = status.kind === "error" ? status.text : error;
  const id = fieldId(path);
  return (
    <div className={`field image-upload ${shownError ? "has-error" : ""}`}>
      <label htmlFor={id}>Product image (optional)</label>
      <p className="help" id={`${id}-help`}>
        A pack shot or logo, PNG or JPEG, at most 10 MB, at least 300 px on each side. Scenes without a continuing shot start from it.
      </p>
      <div className="image-row">
        <input
          ref={input}
          id={id}
          type="file"
          accept="image/png,image/jpeg"
          aria-describedby={`${id}-help ${id}-status`}
          aria-invalid={shownError ? true : undefined}
          onChange={(e) => void pick(e.target.files?.[0])}
        />
        {(preview || value) && (
          <button type="button" className="secondary" onClick={clear}>
            Remove image
          </button>
        )}
      </div>
      {preview && <img className="image-preview" src={preview} alt="Preview of the product image" />}
      <p id={`${id}-status`} className={shownError ? "field-error" : "help"} role={status.kind === "error" ? "alert" : "status"}>
        {shownError ?? status.text}
      </p>
    </div>
  );
}
