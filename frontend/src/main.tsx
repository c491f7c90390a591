import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { Api } from "./lib/api";
import { CognitoAuth } from "./lib/auth";
import { loadConfig } from "./lib/config";
import { ServicesProvider, makeTransport } from "./lib/services";
import "./styles.css";

async function boot(): Promise<void> {
  const root = createRoot(document.getElementById("root")!);
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
  const token = auth ? () => auth.token() : async () => null;
  const api = new Api(config.apiBase, token);
  const transport = makeTransport(config, api, auth);
  root.render(
    <StrictMode>
      <ServicesProvider value={{ config, api, auth, transport }}>
        <App />
      </ServicesProvider>
    </StrictMode>,
  );
}

void boot();
