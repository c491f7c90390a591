// Keyboard reordering keeps focus on the moved clip. The lists are redrawn in the new order, so
// the button that was pressed is a new element: each move control carries a `data-focus-id`
// naming its place, and after a move the workspace focuses the same control at the new place
// (or the other direction's, when the clip reached an end and that one is disabled).

/** Which control moved the clip: the clip-order list's ↑/↓, a timeline clip (Alt+arrows), or
 *  the inspector's "Move earlier/later". */
export type MoveOrigin = "order" | "lane" | "inspector";

/** The `data-focus-id` of each move control. */
export const focusId = {
  order: (direction: "earlier" | "later", index: number) => `order-${direction}-${index}`,
  lane: (index: number) => `lane-${index}`,
  inspector: (direction: "earlier" | "later") => `inspector-${direction}`,
};

/** The controls to focus after moving a clip from `from` to `to`, best first. */
export function focusAfterMove(origin: MoveOrigin, from: number, to: number): string[] {
  const dir = to < from ? "earlier" : "later";
  const other = dir === "earlier" ? "later" : "earlier";
  switch (origin) {
    case "order":
      return [focusId.order(dir, to), focusId.order(other, to)];
    case "lane":
      return [focusId.lane(to)];
    case "inspector":
      return [focusId.inspector(dir), focusId.inspector(other)];
  }
}
