/** Facts → words, rendered once (see model/facts.ts). */
export { checkpointSavedText, endLine, endMessage, lapseText, MAX_ERROR_CHARS, noteText, outcomeWords, outputDroppedText, sizeText } from "./attempt.js";
export { retryText, taskWords } from "./task.js";
