package io.factoryfl.core.ledger;

/**
 * What is wrong with a ledger, its head or a receipt, as one sentence naming the record and line
 * ("record 7 (line 7): ..."). Internal: callers see it as {@link Verification#problem()} or in an
 * IOException.
 */
final class LedgerException extends Exception {
  LedgerException(String problem) {
    super(problem, null, false, false);
  }
}
