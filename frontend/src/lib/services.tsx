// What every view needs — the config, the API client, the progress transport — provided once.

import { createContext, useContext, type ReactNode } from "react";
import type { Api } from "./api";
import type { CognitoAuth } from "./auth";
import type { AppConfig } from "./config";
import type { Me } from "./types";
import { sseTransport, wsTransport, type Transport } from "./progress";

export interface Services {
  config: AppConfig;
  api: Api;
  auth: CognitoAuth | null;
  transport: Transport;
  /** Who is signed in and their roles (GET /me); absent when the server cannot say. */
  me?: Me | null;
}

const ServicesContext = createContext<Services | null>(null);

export function ServicesProvider({ value, children }: { value: Services; children: ReactNode }) {
  return <ServicesContext.Provider value={value}>{children}</ServicesContext.Provider>;
}

export function useServices(): Services {
  const s = useContext(ServicesContext);
  if (!s) throw new Error("useServices outside <ServicesProvider>");
  return s;
}

/** SSE against the local server; the WebSocket API when the config names one (AWS). */
export function makeTransport(config: AppConfig, api: Api, auth: CognitoAuth | null): Transport {
  if (config.wsUrl) return wsTransport({ wsUrl: config.wsUrl, token: () => auth?.token() ?? Promise.resolve(null) });
  return sseTransport(api);
}
