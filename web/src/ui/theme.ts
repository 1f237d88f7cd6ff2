// Light and dark themes: the system's choice (prefers-color-scheme) unless
// the person picked one; the choice is kept in localStorage.
import { useEffect, useState } from 'react';

export type ThemeChoice = 'system' | 'light' | 'dark';
const KEY = 'weir.theme';

function systemDark(): boolean {
  return typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches;
}

export function resolveTheme(choice: ThemeChoice): 'light' | 'dark' {
  return choice === 'system' ? (systemDark() ? 'dark' : 'light') : choice;
}

function stored(): ThemeChoice {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system';
  }
}

export function useTheme(): { choice: ThemeChoice; theme: 'light' | 'dark'; cycle: () => void } {
  const [choice, setChoice] = useState<ThemeChoice>(stored);
  const [theme, setTheme] = useState(() => resolveTheme(choice));
  useEffect(() => {
    const apply = () => {
      const t = resolveTheme(choice);
      setTheme(t);
      document.documentElement.dataset.theme = t;
    };
    apply();
    const mq = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;
    mq?.addEventListener('change', apply);
    return () => mq?.removeEventListener('change', apply);
  }, [choice]);
  const cycle = () => {
    const next: ThemeChoice = choice === 'system' ? (systemDark() ? 'light' : 'dark') : choice === 'dark' ? 'light' : 'dark';
    setChoice(next);
    try {
      localStorage.setItem(KEY, next);
    } catch {
      /* private mode: the choice lasts for this page */
    }
  };
  return { choice, theme, cycle };
}
