// Small accessible building blocks: labelled fields with help and error text, a progress bar,
// a status badge, and a view heading that takes focus when the view opens.

import { useEffect, useRef, type ReactNode, type SelectHTMLAttributes, type InputHTMLAttributes, type TextareaHTMLAttributes } from "react";
import { statusLabel } from "../lib/format";

export const fieldId = (path: string) => `f-${path.replace(/[^a-zA-Z0-9_-]/g, "-")}`;

interface FieldBase {
  path: string;
  label: ReactNode;
  help?: ReactNode;
  error?: string;
  className?: string;
}

function describedBy(path: string, help?: ReactNode, error?: string): string | undefined {
  const ids = [help ? `${fieldId(path)}-help` : "", error ? `${fieldId(path)}-error` : ""].filter(Boolean);
  return ids.length ? ids.join(" ") : undefined;
}

function Messages({ path, help, error }: { path: string; help?: ReactNode; error?: string }) {
  return (
    <>
      {help && (
        <p className="help" id={`${fieldId(path)}-help`}>
          {help}
        </p>
      )}
      {error && (
        <p className="field-error" id={`${fieldId(path)}-error`}>
          {error}
        </p>
      )}
    </>
  );
}

export function TextField({ path, label, help, error, className, ...input }: FieldBase & InputHTMLAttributes<HTMLInputElement>) {
  return (
    <div className={`field ${error ? "has-error" : ""} ${className ?? ""}`}>
      <label htmlFor={fieldId(path)}>{label}</label>
      <input id={fieldId(path)} name={path} aria-invalid={error ? true : undefined} aria-describedby={describedBy(path, help, error)} {...input} />
      <Messages path={path} help={help} error={error} />
    </div>
  );
}

export function TextArea({ path, label, help, error, className, ...input }: FieldBase & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  return (
    <div className={`field ${error ? "has-error" : ""} ${className ?? ""}`}>
      <label htmlFor={fieldId(path)}>{label}</label>
      <textarea id={fieldId(path)} name={path} aria-invalid={error ? true : undefined} aria-describedby={describedBy(path, help, error)} {...input} />
      <Messages path={path} help={help} error={error} />
    </div>
  );
}

export function SelectField({
  path,
  label,
  help,
  error,
  className,
  options,
  ...input
}: FieldBase & SelectHTMLAttributes<HTMLSelectElement> & { options: { value: string; label: string }[] }) {
  return (
    <div className={`field ${error ? "has-error" : ""} ${className ?? ""}`}>
      <label htmlFor={fieldId(path)}>{label}</label>
      <select id={fieldId(path)} name={path} aria-invalid={error ? true : undefined} aria-describedby={describedBy(path, help, error)} {...input}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <Messages path={path} help={help} error={error} />
    </div>
  );
}

export function ProgressBar({ value, label, small }: { value: number; label: string; small?: boolean }) {
  const v = Math.max(0, Math.min(100, value || 0));
  return (
    <div
      className={`progress ${small ? "small" : ""}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(v)}
      aria-valuetext={`${Math.round(v)}%`}
    >
      <div className="progress-fill" style={{ width: `${v}%` }} />
    </div>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return (
    <span className={`badge status-${status}`} data-status={status}>
      {statusLabel(status)}
    </span>
  );
}

/** The view's h1; focused when the view opens so screen readers announce where they are. */
export function ViewHeading({ children, id }: { children: ReactNode; id?: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus({ preventScroll: true });
  }, []);
  return (
    <h1 ref={ref} tabIndex={-1} id={id} className="view-heading">
      {children}
    </h1>
  );
}

export function Notice({ kind = "info", children, role }: { kind?: "info" | "error" | "warning" | "success"; children: ReactNode; role?: "alert" | "status" }) {
  return (
    <div className={`notice notice-${kind}`} role={role ?? (kind === "error" ? "alert" : "status")}>
      {children}
    </div>
  );
}
