/** Small DOM helpers of the admin page: element lookup, element building, list filling, times. */

/** The element with `id`; the page's markup (admin/page.ts) guarantees it exists. */
export function $(id: string): HTMLElement {
  const node = document.getElementById(id);
  if (!node) throw new Error(`admin page has no #${id}`);
  return node;
}

type Props = Record<string, string | undefined | null | (() => void)>;

/** `el('button', { text: 'Approve', onclick })`: `text` sets the content, `onclick` a listener, the rest attributes. */
export function el(tag: string, props: Props = {}, children: (Node | null)[] = []): HTMLElement {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'text' && typeof value === 'string') node.textContent = value;
    else if (key === 'onclick' && typeof value === 'function')
      node.addEventListener('click', value);
    else if (typeof value === 'string') node.setAttribute(key, value);
  }
  for (const child of children) if (child) node.appendChild(child);
  return node;
}

/** Replaces the children of `container` with `nodes`, or a muted `emptyText` when there are none. */
export function fill(container: HTMLElement, nodes: Node[], emptyText: string): void {
  container.replaceChildren(
    ...(nodes.length ? nodes : [el('div', { class: 'empty', text: emptyText })]),
  );
}

/** "12 s ago", "3 min ago", "2 h ago". */
export function ago(ms: number): string {
  const s = Math.round((Date.now() - ms) / 1000);
  if (s < 60) return `${s} s ago`;
  return s < 3600 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`;
}
