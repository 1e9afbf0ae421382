// The dashboard's shell: log in with a token (the server turns it into a session cookie), then
// four views behind hash routes: #/topology, #/flows, #/manage, #/bench. A banner shows when the live
// stream is lost; socket.io reconnects by itself and the next snapshot repaints everything.
import { api, ApiError, setCsrf, type SessionInfo } from "./api";
import { mountBench } from "./bench";
import { clear, h } from "./dom";
import { mountFlows } from "./flows";
import { LiveClient } from "./live";
import { mountManage } from "./manage";
import { mountTopology } from "./topology";

const app = document.getElementById("app")!;
const live = new LiveClient();
let unmount: (() => void) | undefined;

function loginView(message = ""): void {
  unmount?.();
  unmount = undefined;
  live.disconnect();
  clear(app);
  const input = h("input", { id: "login-token", type: "password", placeholder: "vnet_…", autocomplete: "off", "aria-label": "API token" });
  const error = h("p", { class: "error", id: "login-error" }, message);
  const formEl = h(
    "form",
    { class: "login card", id: "login-form" },
    h("h1", {}, "vnet"),
    h("p", { class: "muted" }, "Paste an API token (", h("code", {}, "vnet token create --role admin"), ")."),
    input,
    h("button", { type: "submit" }, "Sign in"),
    error,
  );
  formEl.addEventListener("submit", (ev) => {
    ev.preventDefault();
    api<SessionInfo>("POST", "/api/session", { token: input.value }).then(start, (err: unknown) => {
      error.textContent = err instanceof ApiError ? err.message : String(err);
    });
  });
  app.append(formEl);
  input.focus();
}

function start(session: SessionInfo): void {
  setCsrf(session.csrf);
  clear(app);
  const banner = h("div", { class: "banner", id: "connection-banner", role: "status", hidden: true });
  const status = h("span", { class: "conn", id: "connection-status" });
  const nav = h(
    "nav",
    {},
    ...[
      ["topology", "Topology"],
      ["flows", "Flows"],
      ["manage", "Manage"],
      ["bench", "Benchmarks"],
    ].map(([id, label]) => h("a", { href: `#/${id}`, id: `nav-${id}` }, label!)),
  );
  const who = h("span", { class: "who", id: "whoami" }, session.role === "admin" ? "admin" : `tenant ${session.tenant ?? "?"}`);
  const logout = h("button", { class: "small ghost", id: "logout" }, "Sign out");
  logout.addEventListener("click", () => void api("DELETE", "/api/session").finally(() => loginView()));
  const main = h("main", { id: "view" });
  app.append(h("header", {}, h("span", { class: "brand" }, "vnet"), nav, h("span", { class: "spacer" }), status, who, logout), banner, main);

  const showConnection = () => {
    status.className = live.connected ? "conn up" : "conn down";
    status.textContent = live.connected ? "live" : "offline";
    banner.hidden = live.connected;
    banner.textContent = live.refused ? "The server refused the live stream: sign in again." : "Connection to the server lost — reconnecting…";
    document.body.dataset.live = live.connected ? "up" : "down";
  };
  live.on("connection", showConnection);

  const route = () => {
    unmount?.();
    clear(main);
    const [path, query] = location.hash.replace(/^#\/?/, "").split("?");
    const view = path || "topology";
    for (const a of nav.querySelectorAll("a")) a.classList.toggle("active", a.id === `nav-${view}`);
    if (view === "flows") unmount = mountFlows(main, live, new URLSearchParams(query ?? ""));
    else if (view === "manage") unmount = mountManage(main, live, session);
    else if (view === "bench") unmount = mountBench(main, new URLSearchParams(query ?? ""));
    else unmount = mountTopology(main, live);
    document.body.dataset.view = view;
  };
  window.onhashchange = route;
  showConnection();
  live.connect();
  route();
}

api<SessionInfo>("GET", "/api/session").then(start, (err: unknown) => {
  loginView(err instanceof ApiError && err.status !== 401 ? err.message : "");
});
