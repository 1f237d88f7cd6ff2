// The sections of one app (boards, triggers, members), each offered only when
// the person's role may read it.
import { can, type AppAccess } from '../api';
import { Link } from './Link';

export type AppSection = 'boards' | 'triggers' | 'members';

export function appSections(app: AppAccess | undefined): AppSection[] {
  const s: AppSection[] = ['boards'];
  if (can(app, 'read_events')) s.push('triggers');
  if (can(app, 'read_members') || can(app, 'read_roles')) s.push('members');
  return s;
}

const LABEL: Record<AppSection, string> = { boards: 'Boards', triggers: 'Triggers', members: 'Members & roles' };

export function AppNav({ app, appId, current }: { app: AppAccess | undefined; appId: string; current: AppSection }) {
  const sections = appSections(app);
  if (sections.length < 2) return null;
  return (
    <nav className="app-nav" aria-label="App sections">
      {sections.map((s) => (
        <Link key={s} to={{ page: s, app: appId }} className={s === current ? 'active' : undefined} aria-current={s === current ? 'page' : undefined}>
          {LABEL[s]}
        </Link>
      ))}
    </nav>
  );
}
