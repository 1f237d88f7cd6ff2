// Small inline SVG icons (currentColor), hidden from screen readers: every
// control that shows one carries its own aria-label.
import type { ReactNode } from 'react';

function I({ children, size = 18 }: { children: ReactNode; size?: number }) {
  return (
    <svg viewBox="0 0 24 24" width={size} height={size} aria-hidden="true" focusable="false" fill="none" stroke="currentColor"
      strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">{children}</svg>
  );
}
export const IconSun = () => <I><circle cx="12" cy="12" r="4" /><path d="M12 2v2M12 20v2M4.9 4.9l1.4 1.4M17.7 17.7l1.4 1.4M2 12h2M20 12h2M4.9 19.1l1.4-1.4M17.7 6.3l1.4-1.4" /></I>;
export const IconMoon = () => <I><path d="M21 12.8A9 9 0 1 1 11.2 3a7 7 0 0 0 9.8 9.8z" /></I>;
export const IconUndo = () => <I><path d="M9 14 4 9l5-5" /><path d="M4 9h11a5 5 0 0 1 0 10h-3" /></I>;
export const IconRedo = () => <I><path d="m15 14 5-5-5-5" /><path d="M20 9H9a5 5 0 0 0 0 10h3" /></I>;
export const IconSave = () => <I><path d="M5 3h11l3 3v15H5z" /><path d="M8 3v6h8V3M8 21v-7h8v7" /></I>;
export const IconPlay = () => <I><path d="M7 4v16l13-8z" fill="currentColor" /></I>;
export const IconFit = () => <I><path d="M4 9V4h5M20 9V4h-5M4 15v5h5M20 15v5h-5" /></I>;
export const IconComment = () => <I><path d="M4 5h16v11H9l-5 4z" /></I>;
export const IconTrash = () => <I><path d="M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13" /></I>;
export const IconPlus = () => <I><path d="M12 5v14M5 12h14" /></I>;
export const IconHistory = () => <I><path d="M3 12a9 9 0 1 0 3-6.7L3 8" /><path d="M3 3v5h5M12 7v5l3 3" /></I>;
export const IconSearch = () => <I size={16}><circle cx="11" cy="11" r="7" /><path d="m20 20-4-4" /></I>;
export const IconVars = () => <I><path d="M8 4c-3 0-3 3-3 5s-1 3-2 3c1 0 2 1 2 3s0 5 3 5M16 4c3 0 3 3 3 5s1 3 2 3c-1 0-2 1-2 3s0 5-3 5" /></I>;
