/** Facts → words, rendered once (see model/facts.ts). */
export { endLine, endMessage, lapseText, MAX_ERROR_CHARS, noteText, outcomeWords, outputDroppedText } from "./attempt.js";
export { retryText, taskWords } from "./task.js";
