/** The page-wide notice (role=alert) for states that outlive one screen: offline, and waiting after a 429. */
let kind: "offline" | "wait" | null = null;
let timer: ReturnType<typeof setInterval> | undefined;

function el(): HTMLElement {
  return document.getElementById("banner") as HTMLElement;
}

function show(next: "offline" | "wait", text: string) {
  kind = next;
  const b = el();
  b.textContent = text;
  b.dataset.kind = next;
  b.hidden = false;
}

export const banner = {
  offline() {
    show("offline", "You are offline. Marquee will reload this page's data when the connection is back.");
  },
  wait(seconds: number) {
    clearInterval(timer);
    let left = Math.ceil(seconds);
    const say = () => show("wait", `Too many requests: please wait ${left} s before trying again.`);
    say();
    timer = setInterval(() => {
      left -= 1;
      if (left <= 0) banner.clear("wait");
      else say();
    }, 1000);
  },
  clear(which?: "offline" | "wait") {
    if (which && kind !== which) return;
    if (kind === "wait") clearInterval(timer);
    kind = null;
    el().hidden = true;
    el().textContent = "";
  },
  get kind() {
    return kind;
  },
};
