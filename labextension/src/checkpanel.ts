/**
 * The students' side panel: every test cell of the notebook in notebook order with its
 * verdict, the failing checks first (error against tolerance, the diagnosis), a click
 * jumps to the cell. Rendered with plain DOM nodes and textContent only: what the server
 * says (check names, messages, diagnoses) is shown as text, never parsed as HTML.
 */
import { Widget } from '@lumino/widgets';

import { ICheck, ICheckResult } from './api';

export interface ITestCell {
  gradeId: string;
  index: number;
}

/** Where the panel sends a click on a cell or a check. */
export type JumpTo = (gradeId: string) => void;

function element(
  tag: string,
  className: string,
  text?: string
): HTMLElement {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

/** 3.1e-09 as Python's "{:.2e}" writes it (the CLI's and the notebook's own lines). */
export function scientific(value: number | null): string {
  if (value === null || value === undefined) {
    return '-';
  }
  const [mantissa, exponent] = value.toExponential(2).split('e');
  const sign = exponent.startsWith('-') ? '-' : '+';
  const digits = exponent.replace(/^[-+]/, '').padStart(2, '0');
  return `${mantissa}e${sign}${digits}`;
}

/** The line under a check's name: error against tolerance, or the message when there is none. */
export function measured(check: ICheck): string {
  if (check.error !== null && check.tolerance !== null) {
    const relation = check.error <= check.tolerance ? '≤' : '>';
    return `error ${scientific(check.error)} ${relation} tolerance ${scientific(check.tolerance)}`;
  }
  return check.message;
}

export class CheckPanel extends Widget {
  /** How long the last render took (performance.now()), also on the node as data-render-ms. */
  lastRenderMs = 0;

  constructor(private readonly jumpTo: JumpTo) {
    super();
    this.id = 'nn-autograder-check-panel';
    this.title.label = 'Checks';
    this.title.caption = 'nn-autograder: your checks';
    this.addClass('nn-autograder-CheckPanel');
    this.showMessage('Press Check in the notebook toolbar to check your work.');
  }

  showMessage(text: string, kind = 'info'): void {
    this.node.replaceChildren(element('div', `nn-autograder-message nn-autograder-${kind}`, text));
  }

  /** A check in progress: what it does and the seconds so far. */
  showProgress(step: string, seconds: number): void {
    const box = element('div', 'nn-autograder-progress');
    box.appendChild(element('div', 'nn-autograder-spinner'));
    box.appendChild(element('span', 'nn-autograder-progress-text', `${step} ${seconds.toFixed(0)} s`));
    this.node.replaceChildren(box);
  }

  showError(text: string): void {
    this.showMessage(text, 'error');
  }

  render(notebookName: string, result: ICheckResult, testCells: ITestCell[]): void {
    const started = performance.now();
    const byCell = new Map<string, ICheck[]>();
    for (const check of result.checks) {
      const list = byCell.get(check.cell) ?? [];
      list.push(check);
      byCell.set(check.cell, list);
    }
    // Every test cell of the notebook in its order, then cells only the result names.
    const order = testCells.map(cell => cell.gradeId);
    for (const cell of byCell.keys()) {
      if (!order.includes(cell)) {
        order.push(cell);
      }
    }
    const root = document.createDocumentFragment();
    const header = element('div', 'nn-autograder-summary');
    const allPassed = result.failed === 0 && result.checks.length > 0;
    header.classList.add(allPassed ? 'nn-autograder-pass' : 'nn-autograder-fail');
    header.appendChild(element('span', 'nn-autograder-summary-mark', allPassed ? '✓' : '✗'));
    header.appendChild(
      element(
        'span',
        'nn-autograder-summary-text',
        `${notebookName}: ${result.passed} passed, ${result.failed} failed (${result.seconds.toFixed(1)} s)`
      )
    );
    root.appendChild(header);

    const failing = result.checks.filter(check => !check.passed);
    if (failing.length) {
      root.appendChild(element('h3', 'nn-autograder-heading', 'Failing checks'));
      const list = element('ul', 'nn-autograder-failing');
      for (const check of failing) {
        list.appendChild(this.checkItem(check, true));
      }
      root.appendChild(list);
    }
    root.appendChild(element('h3', 'nn-autograder-heading', 'Test cells in notebook order'));
    const cells = element('ul', 'nn-autograder-cells');
    for (const gradeId of order) {
      cells.appendChild(this.cellItem(gradeId, byCell.get(gradeId) ?? []));
    }
    root.appendChild(cells);
    this.node.replaceChildren(root);
    this.lastRenderMs = performance.now() - started;
    this.node.dataset.renderMs = this.lastRenderMs.toFixed(2);
    this.node.dataset.checks = String(result.checks.length);
  }

  private checkItem(check: ICheck, withCell: boolean): HTMLElement {
    const item = element('li', 'nn-autograder-check');
    item.classList.add(check.passed ? 'nn-autograder-pass' : 'nn-autograder-fail');
    item.dataset.cell = check.cell;
    item.dataset.check = check.name;
    const line = element('div', 'nn-autograder-check-line');
    line.appendChild(element('span', 'nn-autograder-mark', check.passed ? '✓' : '✗'));
    line.appendChild(element('span', 'nn-autograder-check-name', check.name));
    if (withCell) {
      line.appendChild(element('span', 'nn-autograder-check-cell', `in ${check.cell}`));
    }
    item.appendChild(line);
    item.appendChild(element('div', 'nn-autograder-measured', measured(check)));
    if (!check.passed && check.diagnosis) {
      item.appendChild(element('div', 'nn-autograder-diagnosis', check.diagnosis));
    }
    item.title = `Go to the test cell ${check.cell}`;
    item.addEventListener('click', event => {
      event.stopPropagation();
      this.jumpTo(check.cell);
    });
    return item;
  }

  private cellItem(gradeId: string, checks: ICheck[]): HTMLElement {
    const item = element('li', 'nn-autograder-cell');
    const failed = checks.filter(check => !check.passed).length;
    const state = checks.length === 0 ? 'none' : failed ? 'fail' : 'pass';
    item.classList.add(`nn-autograder-${state}`);
    item.dataset.cell = gradeId;
    const line = element('div', 'nn-autograder-cell-line');
    line.appendChild(element('span', 'nn-autograder-mark', state === 'pass' ? '✓' : state === 'fail' ? '✗' : '·'));
    line.appendChild(element('span', 'nn-autograder-cell-name', gradeId));
    line.appendChild(
      element(
        'span',
        'nn-autograder-cell-count',
        checks.length ? `${checks.length - failed}/${checks.length}` : 'no visible checks'
      )
    );
    item.appendChild(line);
    if (checks.length) {
      const list = element('ul', 'nn-autograder-cell-checks');
      for (const check of checks) {
        list.appendChild(this.checkItem(check, false));
      }
      item.appendChild(list);
    }
    item.title = `Go to the test cell ${gradeId}`;
    item.addEventListener('click', () => this.jumpTo(gradeId));
    return item;
  }
}
