// The shell: who is signed in, the top bar, and which page shows.
import { useCallback, useEffect, useState } from 'react';
import { api, setCsrf, setUnauthorizedHandler, type Me } from './api';
import { AppsPage } from './pages/AppsPage';
import { BoardsPage } from './pages/BoardsPage';
import { MembersPage } from './pages/MembersPage';
import { TriggersPage } from './pages/TriggersPage';
import { SignIn } from './pages/SignIn';
import { Dialog } from './ui/Dialog';
import { Editor } from './editor/Editor';
import { Link } from './ui/Link';
import { navigate, parseRoute, useRoute } from './ui/router';
import { useTheme } from './ui/theme';
import { useToast } from './ui/toasts';
import { IconMoon, IconSun } from './ui/icons';

export function App() {
  const [me, setMe] = useState<Me | null | 'loading'>('loading');
  // The session ended while a board was open: sign in again over it, so
  // nothing drawn is lost (the editor stays mounted, its state with it).
  const [expired, setExpired] = useState(false);
  const route = useRoute();
  const { theme, cycle, choice } = useTheme();
  const toast = useToast();

  const refresh = useCallback(async () => {
    try {
      const m = await api.me();
      setCsrf(m.credential.csrf_token);
      setMe(m);
    } catch {
      setMe(null);
    }
  }, []);

  useEffect(() => {
    if (location.pathname === '/' || location.pathname === '') navigate({ page: 'apps' }, true);
    refresh();
    setUnauthorizedHandler(() => {
      if (parseRoute(location.pathname, location.search).page === 'editor') {
        setExpired(true);
        return;
      }
      setMe(null);
      toast('Your session ended; sign in again.', 'info');
    });
    return () => setUnauthorizedHandler(null);
  }, [refresh, toast]);

  const signOut = async () => {
    if (!navigate({ page: 'apps' }, true)) return; // unsaved changes, and the person chose to stay
    try {
      await api.logout();
    } catch {
      /* the session may already be gone */
    }
    setCsrf('');
    setMe(null);
  };

  const app = me && me !== 'loading' && route.page !== 'apps' ? me.apps.find((a) => a.id === route.app) : undefined;
  const themeLabel = `Theme: ${choice === 'system' ? `system (${theme})` : theme}. Switch to ${theme === 'dark' ? 'light' : 'dark'}`;

  return (
    <div className={`shell ${route.page === 'editor' ? 'shell-editor' : ''}`}>
      <header className="topbar">
        <Link to={{ page: 'apps' }} className="brand" aria-label="weir: all apps">
          <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true"><path d="M3 7h5l4 10h4l5-10" fill="none" stroke="currentColor" strokeWidth="2.4" strokeLinecap="round" strokeLinejoin="round" /></svg>
          <span>weir</span>
        </Link>
        {me && me !== 'loading' && (
          <nav className="crumbs" aria-label="Breadcrumb">
            <Link to={{ page: 'apps' }}>Apps</Link>
            {route.page !== 'apps' && (
              <>
                <span aria-hidden="true">/</span>
                <Link to={{ page: 'boards', app: route.app }}>{app?.name ?? route.app}</Link>
              </>
            )}
          </nav>
        )}
        <div className="topbar-right">
          <button type="button" className="icon-btn" onClick={cycle} aria-label={themeLabel} title={themeLabel}>
            {theme === 'dark' ? <IconSun /> : <IconMoon />}
          </button>
          {me && me !== 'loading' && (
            <>
              <span className="who" title={me.user.instance_admin ? 'instance admin' : undefined}>{me.user.email}</span>
              <button type="button" className="btn ghost" onClick={signOut}>Sign out</button>
            </>
          )}
        </div>
      </header>
      <main className="main" id="main">
        {me === 'loading' ? (
          <p className="muted center-pad" aria-busy="true">Loading…</p>
        ) : me === null ? (
          <SignIn onSignedIn={refresh} />
        ) : route.page === 'apps' ? (
          <AppsPage me={me} onChanged={refresh} />
        ) : route.page === 'boards' ? (
          <BoardsPage me={me} appId={route.app} onChanged={refresh} />
        ) : route.page === 'triggers' ? (
          <TriggersPage me={me} appId={route.app} />
        ) : route.page === 'members' ? (
          <MembersPage me={me} appId={route.app} onChanged={refresh} />
        ) : (
          <Editor key={`${route.app}/${route.board}/${route.version ?? ''}`} me={me} appId={route.app} boardId={route.board}
            version={route.version} runId={route.run} theme={theme} />
        )}
      </main>
      <Dialog title="Sign in again" open={expired} noClose onClose={() => { /* only signing in closes it */ }}>
        <p className="small">Your session ended. Your changes are still here: sign in again, then save.</p>
        <SignIn embedded onSignedIn={async () => { await refresh(); setExpired(false); toast('Signed in again. Save to keep your changes.', 'success'); }} />
      </Dialog>
    </div>
  );
}
