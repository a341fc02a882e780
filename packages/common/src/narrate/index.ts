/** Facts → words, rendered once (see model/facts.ts). */
export { endLine, endMessage, lapseText, noteText, outcomeWords, outputDroppedText } from "./attempt.js";
export { retryText, taskWords } from "./task.js";
