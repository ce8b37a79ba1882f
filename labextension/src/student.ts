/**
 * Students: a Check button on every notebook's toolbar and a command (palette, shortcut).
 * When a notebook opens, the server is asked to prepare its check (it starts the
 * checker's kernel ahead of time); Check saves the notebook, asks the server to check the
 * saved file, shows the progress, then the side panel and a badge on every test cell.
 * Nothing here needs a network beyond the Jupyter server, or a grading bundle.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { ToolbarButton } from '@jupyterlab/apputils';
import { Cell } from '@jupyterlab/cells';
import { DocumentRegistry } from '@jupyterlab/docregistry';
import { INotebookModel, INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { checkIcon } from '@jupyterlab/ui-components';
import { DisposableDelegate, IDisposable } from '@lumino/disposable';

import { ApiError, ICheckResult, post, request } from './api';
import { CheckPanel, ITestCell } from './checkpanel';

export const CHECK_COMMAND = 'nn-autograder:check-notebook';
const BADGE = 'nn-autograder-badge';

/** The nbgrader grade_id of a test cell (graded, not a solution), else null. */
function testCellId(cell: Cell): string | null {
  const nbgrader = cell.model.getMetadata('nbgrader') as any;
  if (cell.model.type !== 'code' || !nbgrader || !nbgrader.grade || nbgrader.solution) {
    return null;
  }
  return typeof nbgrader.grade_id === 'string' ? nbgrader.grade_id : null;
}

function testCells(panel: NotebookPanel): ITestCell[] {
  const cells: ITestCell[] = [];
  panel.content.widgets.forEach((cell, index) => {
    const gradeId = testCellId(cell);
    if (gradeId !== null) {
      cells.push({ gradeId, index });
    }
  });
  return cells;
}

/** A ✓ n/m or ✗ n/m badge on each test cell the result names. */
function showBadges(panel: NotebookPanel, result: ICheckResult): void {
  for (const cell of panel.content.widgets) {
    cell.node.querySelectorAll(`.${BADGE}`).forEach(node => node.remove());
    const gradeId = testCellId(cell);
    const checks = result.checks.filter(check => check.cell === gradeId);
    if (gradeId === null || !checks.length) {
      continue;
    }
    const failed = checks.filter(check => !check.passed).length;
    const badge = document.createElement('div');
    badge.className = `${BADGE} ${failed ? 'nn-autograder-fail' : 'nn-autograder-pass'}`;
    badge.textContent = `${failed ? '✗' : '✓'} ${checks.length - failed}/${checks.length}`;
    badge.title = failed
      ? `${failed} check(s) failed: ${checks.filter(c => !c.passed).map(c => c.name).join(', ')}`
      : 'every visible check of this cell passed';
    cell.node.appendChild(badge);
  }
}

function jumpTo(panel: NotebookPanel, gradeId: string): void {
  const index = panel.content.widgets.findIndex(cell => testCellId(cell) === gradeId);
  if (index < 0) {
    return;
  }
  panel.content.activeCellIndex = index;
  void panel.content.scrollToItem(index, 'center');
  panel.content.activeCell?.node.scrollIntoView({ block: 'center' });
}

export class StudentChecks {
  readonly panel: CheckPanel;
  private current: NotebookPanel | null = null;
  private busy = new Set<string>();

  constructor(
    private readonly app: JupyterFrontEnd,
    private readonly tracker: INotebookTracker
  ) {
    this.panel = new CheckPanel(gradeId => {
      if (this.current) {
        jumpTo(this.current, gradeId);
      }
    });
    tracker.widgetAdded.connect((_, notebook) => this.watch(notebook));
  }

  /** Prepare a notebook's check when it opens; let the server know when it closes. */
  private watch(notebook: NotebookPanel): void {
    void notebook.context.ready.then(() => this.prepare(notebook.context.path));
    notebook.disposed.connect(() => {
      const path = encodeURIComponent(notebook.context.path);
      void request(`check/prepare?path=${path}`, { method: 'DELETE' }).catch(() => undefined);
    });
  }

  private prepare(path: string): Promise<void> {
    return post('check/prepare', { path }).then(
      () => undefined,
      () => undefined // a notebook outside an assignment: the check will say why
    );
  }

  async check(notebook: NotebookPanel | null = this.tracker.currentWidget): Promise<void> {
    if (!notebook) {
      return;
    }
    const path = notebook.context.path;
    this.current = notebook;
    if (!this.panel.isAttached) {
      this.app.shell.add(this.panel, 'right', { rank: 600 });
    }
    this.app.shell.activateById(this.panel.id);
    if (this.busy.has(path)) {
      return;
    }
    this.busy.add(path);
    const started = performance.now();
    const step = (text: string) => this.panel.showProgress(text, (performance.now() - started) / 1000);
    let timer = 0;
    try {
      if (notebook.context.model.dirty) {
        step('Saving…');
        await notebook.context.save();
      }
      step('Checking the saved notebook…');
      timer = window.setInterval(() => step('Checking the saved notebook…'), 1000);
      const result = await post<ICheckResult>('check', { path });
      this.panel.render(notebook.title.label, result, testCells(notebook));
      showBadges(notebook, result);
    } catch (error) {
      const line = error instanceof ApiError ? error.message : String(error);
      this.panel.showError(`Could not check ${path}: ${line}`);
    } finally {
      window.clearInterval(timer);
      this.busy.delete(path);
      void this.prepare(path); // the next check starts warm again
    }
  }
}

/** The Check button on each notebook's toolbar. */
export class CheckButtonExtension
  implements DocumentRegistry.IWidgetExtension<NotebookPanel, INotebookModel>
{
  constructor(private readonly app: JupyterFrontEnd) {}

  createNew(panel: NotebookPanel): IDisposable {
    const button = new ToolbarButton({
      className: 'nn-autograder-check-button',
      icon: checkIcon,
      label: 'Check',
      tooltip: 'Save, then check this notebook (the grader\'s visible checks, judged outside your kernel)',
      onClick: () => void this.app.commands.execute(CHECK_COMMAND)
    });
    panel.toolbar.insertItem(10, 'nnAutograderCheck', button);
    return new DisposableDelegate(() => button.dispose());
  }
}
