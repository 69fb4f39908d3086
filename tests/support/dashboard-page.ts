/// <reference lib="dom" />
// The functions below run in the page (Playwright's evaluate), so they need the DOM's types;
// the project's tsconfig has no "dom" lib, and this reference brings it into the compilation.
/**
 * What the browser tests check on a rendered dashboard page, measured in the page itself:
 * horizontal overflow (the document wider than the window, and which elements stick out),
 * WCAG AA contrast of every piece of visible text against the background it sits on, computed
 * from the colours the browser actually applied (CSS custom properties, dark mode and all),
 * and whether each section has content.
 */
import type { Page } from "playwright-core";

/** The page's sections, in order; each must be present and, with the demo's data, non-empty. */
export const DASHBOARD_SECTIONS = ["summary", "budget", "daily", "by-service", "by-project", "units", "by-tag", "savings", "cleanup", "stacks", "alerts"] as const;

/**
 * How far the document is wider than the window, and the visible elements whose right edge
 * passes it (an element inside an ancestor that clips, like a visually hidden table header,
 * counts only as far as it shows).
 */
export async function horizontalOverflow(page: Page): Promise<{ scrollWidth: number; innerWidth: number; outside: string[] }> {
  return page.evaluate(() => {
    const innerWidth = window.innerWidth;
    const outside: string[] = [];
    const visibleRight = (element: Element): number => {
      let right = element.getBoundingClientRect().right;
      for (let node = element.parentElement; node; node = node.parentElement) {
        const style = getComputedStyle(node);
        if (style.overflowX !== "visible" || style.clipPath !== "none") right = Math.min(right, node.getBoundingClientRect().right);
      }
      return right;
    };
    for (const element of Array.from(document.body.querySelectorAll("*"))) {
      const box = element.getBoundingClientRect();
      if (box.width > 0 && visibleRight(element) > innerWidth + 0.5) {
        outside.push(`${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ""}${element.className && typeof element.className === "string" ? `.${element.className.split(" ").join(".")}` : ""} right=${Math.round(box.right)}`);
      }
    }
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth, outside: outside.slice(0, 10) };
  });
}

/** One piece of text below the WCAG AA contrast it needs. */
export interface ContrastProblem {
  text: string;
  color: string;
  background: string;
  ratio: number;
  needed: number;
}

/**
 * Every visible element with text of its own (HTML, and SVG `<text>` by its fill), its colour
 * against the first opaque background behind it, checked against WCAG 2.x AA: 4.5:1, or 3:1
 * for large text (24 px, or 18.66 px bold). The ratio is WCAG's relative-luminance formula.
 */
export async function contrastProblems(page: Page): Promise<{ checked: number; problems: ContrastProblem[] }> {
  return page.evaluate(() => {
    const parse = (color: string): [number, number, number, number] | undefined => {
      const match = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/.exec(color);
      return match ? [Number(match[1]), Number(match[2]), Number(match[3]), match[4] === undefined ? 1 : Number(match[4])] : undefined;
    };
    const luminance = ([r, g, b]: number[]) => {
      const channel = (v: number) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * channel(r!) + 0.7152 * channel(g!) + 0.0722 * channel(b!);
    };
    const backgroundOf = (element: Element): string => {
      for (let node: Element | null = element; node; node = node.parentElement) {
        const color = parse(getComputedStyle(node).backgroundColor);
        if (color && color[3] >= 0.99) return `rgb(${color[0]}, ${color[1]}, ${color[2]})`;
      }
      return getComputedStyle(document.documentElement).backgroundColor || "rgb(255, 255, 255)";
    };
    const problems: { text: string; color: string; background: string; ratio: number; needed: number }[] = [];
    let checked = 0;
    for (const element of Array.from(document.body.querySelectorAll("*"))) {
      const ownText = Array.from(element.childNodes)
        .filter((node) => node.nodeType === Node.TEXT_NODE)
        .map((node) => node.textContent ?? "")
        .join("")
        .trim();
      if (ownText === "" || element.getClientRects().length === 0 || element.closest("title")) continue;
      const style = getComputedStyle(element);
      if (style.visibility === "hidden") continue;
      const isSvgText = element instanceof SVGElement;
      const color = parse(isSvgText ? style.fill : style.color);
      const background = parse(backgroundOf(element));
      if (!color || !background) continue;
      const [l1, l2] = [luminance(color), luminance(background)].sort((a, b) => b - a);
      const ratio = (l1! + 0.05) / (l2! + 0.05);
      const size = parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      const needed = large ? 3 : 4.5;
      checked += 1;
      if (ratio < needed) problems.push({ text: ownText.slice(0, 40), color: isSvgText ? style.fill : style.color, background: backgroundOf(element), ratio: Math.round(ratio * 100) / 100, needed });
    }
    return { checked, problems };
  });
}

/** Each section: whether it is on the page, its text length, and the "nothing here yet" notes it shows (`.empty`). */
export async function sectionContents(page: Page): Promise<Record<string, { present: boolean; textLength: number; emptyNotes: string[] }>> {
  return page.evaluate(
    (ids) =>
      Object.fromEntries(
        ids.map((id) => {
          const section = document.getElementById(id);
          const emptyNotes = section ? Array.from(section.querySelectorAll(".empty")).map((note) => (note.textContent ?? "").trim()) : [];
          return [id, { present: section !== null, textLength: (section?.textContent ?? "").trim().length, emptyNotes }];
        }),
      ),
    [...DASHBOARD_SECTIONS],
  );
}
