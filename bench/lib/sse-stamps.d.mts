export function extractStamps(text: string): { stamps: number[]; rest: string }
