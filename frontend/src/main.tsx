import { StrictMode } from "react";
import { createRoot, type Root } from "react-dom/client";
import { App } from "./App";
import { SignIn } from "./components/SignIn";
import { Api, ApiError } from "./lib/api";
import { CognitoAuth } from "./lib/auth";
import { loadConfig } from "./lib/config";
import { localToken, setLocalToken } from "./lib/people";
import { ServicesProvider, makeTransport } from "./lib/services";
import type { Me } from "./lib/types";
import "./styles.css";

async function boot(root: Root): Promise<void> {
  const config = await loadConfig();
  const auth = config.mode === "aws" && config.cognito ? new CognitoAuth(config.cognito) : null;
  if (auth) {
    try {
      await auth.completeLogin();
    } catch (e) {
      root.render(
        <div className="boot-error" role="alert">
          <h1>Sign-in failed</h1>
          <p>{(e as Error).message}</p>
          <button type="button" onClick={() => void auth.login("")}>
            Try again
          </button>
        </div>,
      );
      return;
    }
    if (!(await auth.token())) {
      await auth.login();
      return;
    }
  }
  const token = auth ? () => auth.token() : async () => localToken();
  const api = new Api(config.apiBase, token);
  let me: Me | null = null;
  try {
    me = await api.me();
  } catch (e) {
    // A local server with named users: sign in with a token. Anything else (an older server
    // without /me, a passing network error) opens the app, whose views say what fails.
    if (!auth && e instanceof ApiError && e.status === 401) {
      const tried = localToken();
      setLocalToken(null);
      root.render(
        <SignIn
          problem={tried ? "That token belongs to no user of this server. Check it, or ask whoever runs the server for yours." : null}
          onToken={(t) => {
            setLocalToken(t);
            void boot(root);
          }}
        />,
      );
      return;
    }
  }
  const transport = makeTransport(config, api, auth);
  root.render(
    <StrictMode>
      <ServicesProvider value={{ config, api, auth, transport, me }}>
        <App />
      </ServicesProvider>
    </StrictMode>,
  );
}

void boot(createRoot(document.getElementById("root")!));
