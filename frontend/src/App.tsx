import { useEffect } from "react";
import { href, useRoute, type Route } from "./lib/router";
import { isCreator, localToken, setLocalToken, whoLine } from "./lib/people";
import { useServices } from "./lib/services";
import { useTheme, type ThemeChoice } from "./lib/theme";
import { ComplianceView } from "./views/ComplianceView";
import { CreateView } from "./views/CreateView";
import { EditorView } from "./views/EditorView";
import { LibraryView } from "./views/LibraryView";
import { ProgressView } from "./views/ProgressView";
import { ReviewView } from "./views/ReviewView";
import { SharedView } from "./views/SharedView";

function View({ route }: { route: Route }) {
  const me = useServices().me ?? undefined;
  switch (route.name) {
    case "create":
      if (!isCreator(me))
        return (
          <div>
            <h1>Create</h1>
            <p>
              You review ads here; making them is for creators. The ads shared with you are in the <a href={href.library()}>library</a>.
            </p>
          </div>
        );
      return <CreateView key={route.from ?? "new"} from={route.from} />;
    case "library":
      return <LibraryView />;
    case "progress":
      return <ProgressView key={route.id} id={route.id} />;
    case "editor":
      return <EditorView key={route.id} id={route.id} />;
    case "compliance":
      return <ComplianceView key={route.id} id={route.id} />;
    case "review":
      return <ReviewView key={`${route.id}-${route.version ?? "latest"}`} id={route.id} version={route.version} />;
    case "shared":
      return <SharedView key={route.token} token={route.token} />;
    default:
      return (
        <div>
          <h1>Not found</h1>
          <p>
            Nothing lives at <code>{route.path}</code>. <a href={href.create()}>Create an ad</a> or open the <a href={href.library()}>library</a>.
          </p>
        </div>
      );
  }
}

const TITLES: Record<Route["name"], string> = {
  create: "Create",
  library: "Library",
  progress: "Progress",
  editor: "Workspace",
  compliance: "Compliance",
  review: "Review",
  shared: "Shared for review",
  notfound: "Not found",
};

export function App() {
  const route = useRoute();
  const { config, auth, me } = useServices();
  const creator = isCreator(me ?? undefined);
  const [theme, setTheme] = useTheme();

  useEffect(() => {
    document.title = `${TITLES[route.name]} · OmniGen`;
  }, [route.name]);

  const current = (name: Route["name"]) => (route.name === name ? "page" : undefined);
  return (
    <>
      <a className="skip-link" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById("main")?.focus())}>
        Skip to content
      </a>
      <header className="app-header">
        <a className="brand" href={creator ? href.create() : href.library()}>
          <span className="logo" aria-hidden="true">
            ▶
          </span>
          OmniGen
        </a>
        <nav aria-label="Main">
          <ul>
            {creator && (
              <li>
                <a href={href.create()} aria-current={current("create")}>
                  Create
                </a>
              </li>
            )}
            <li>
              <a href={href.library()} aria-current={current("library")}>
                Library
              </a>
            </li>
          </ul>
        </nav>
        <div className="header-tools">
          {me && (
            <span className="who" data-testid="who-am-i">
              Signed in as {whoLine(me)}
            </span>
          )}
          <label className="theme-select">
            <span className="visually-hidden">Colour theme</span>
            <select value={theme} onChange={(e) => setTheme(e.target.value as ThemeChoice)} aria-label="Colour theme">
              <option value="system">Theme: system</option>
              <option value="light">Theme: light</option>
              <option value="dark">Theme: dark</option>
            </select>
          </label>
          {config.mode === "aws" && auth && (
            <button type="button" className="secondary" onClick={() => auth.logout()}>
              Sign out
            </button>
          )}
          {config.mode === "local" && localToken() && (
            <button
              type="button"
              className="secondary"
              onClick={() => {
                setLocalToken(null);
                location.reload();
              }}
            >
              Sign out
            </button>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <View route={route} />
      </main>
    </>
  );
}
