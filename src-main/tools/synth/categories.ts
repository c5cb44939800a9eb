// The categories of the synthetic pizza scenes, apart from the generator so layout and paint can
// name them without importing the scene module that imports them.

/** Every category a synthetic pizza scene labels, in COCO category-id order (id = index + 1). */
export const PIZZA_CATEGORIES = ['pepperoni', 'basil', 'olive', 'cheese', 'crust', 'board'] as const;

export type PizzaCategory = (typeof PIZZA_CATEGORIES)[number];

/** Countable toppings: any number of instances per image ("things" in COCO panoptic terms). */
export const THING_CATEGORIES = ['pepperoni', 'basil', 'olive'] as const satisfies readonly PizzaCategory[];

/** Amorphous regions with exactly one instance per image ("stuff"). */
export const STUFF_CATEGORIES = ['cheese', 'crust', 'board'] as const satisfies readonly PizzaCategory[];

export function isThing(category: PizzaCategory): boolean {
  return (THING_CATEGORIES as readonly PizzaCategory[]).includes(category);
}
