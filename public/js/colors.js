// One colour per player, derived from the score's id: the same for its
// chart line, sparkline, bar and avatar, whatever the ranking, on every
// reload and in every window. Ids are consecutive, so the golden angle
// spreads neighbours around the wheel.

const GOLDEN_ANGLE = 137.508;

/** The hue (0..359) of the player with this score id. */
export function playerHue(id) {
  return Math.round((Number(id) * GOLDEN_ANGLE) % 360);
}

/** The player's colour as CSS, readable on light and dark backgrounds. */
export function playerColor(id) {
  return `hsl(${playerHue(id)} 70% 48%)`;
}
