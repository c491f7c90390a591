// Dark mode: follow the system unless the user picks light or dark (remembered on this device).

import { useEffect, useState } from "react";
import { useMediaQuery } from "./hooks";

export type ThemeChoice = "system" | "light" | "dark";
const KEY = "omnigen.theme";

export function storedTheme(): ThemeChoice {
  try {
    const v = localStorage.getItem(KEY);
    return v === "light" || v === "dark" ? v : "system";
  } catch {
    return "system";
  }
}

export function useTheme(): [ThemeChoice, (t: ThemeChoice) => void, "light" | "dark"] {
  const [choice, setChoice] = useState<ThemeChoice>(storedTheme);
  const systemDark = useMediaQuery("(prefers-color-scheme: dark)");
  const resolved = choice === "system" ? (systemDark ? "dark" : "light") : choice;
  useEffect(() => {
    document.documentElement.dataset.theme = resolved;
    document.documentElement.style.colorScheme = resolved;
  }, [resolved]);
  const set = (t: ThemeChoice) => {
    setChoice(t);
    try {
      if (t === "system") localStorage.removeItem(KEY);
      else localStorage.setItem(KEY, t);
    } catch {
      /* private mode: the choice lasts this visit */
    }
  };
  return [choice, set, resolved];
}
