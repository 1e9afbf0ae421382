// A tiny element builder: enough to keep the views declarative without a framework.
type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | EventListener | undefined | null>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v as EventListener);
    else if (k === "class") el.className = String(v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

/** 1234567 → "1.2 M", for rates and counters in dense tables. */
export function si(n: number, unit = ""): string {
  const abs = Math.abs(n);
  const [d, s] = abs >= 1e9 ? [1e9, " G"] : abs >= 1e6 ? [1e6, " M"] : abs >= 1e3 ? [1e3, " k"] : [1, " "];
  const v = n / d;
  return `${d === 1 ? String(Math.round(v)) : v.toFixed(v >= 100 ? 0 : 1)}${s}${unit}`.trim();
}

/** Bytes/s → "12.3 Mbit/s", the unit operators think of for links. */
export function bitRate(bytesPerSecond: number): string {
  return si(bytesPerSecond * 8, "bit/s");
}
