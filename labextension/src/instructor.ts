/**
 * Instructors: the Autograder panel (a launcher item on an instructor's server). The
 * assignments table, buttons for release, grade, rescore, feedback and report (each after
 * a confirmation), live progress bars with an ETA, the proof's summary line, and the
 * class report shown in a sandboxed frame that runs no script.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import { Widget } from '@lumino/widgets';

import { ApiError, IAssignment, IJob, post, request } from './api';

const COMMANDS: { [command: string]: string } = {
  release: 'Record the expected values, generate the student version, leak-check it and prove the checks (a few minutes).',
  grade: 'Grade every submission in parallel into the gradebook (unchanged submissions are skipped).',
  rescore: 'Judge the recorded values again against the current grading bundle, without running any notebook.',
  feedback: 'Write every graded student\'s feedback pages.',
  report: 'Write the class report, then show it here.'
};

function element(tag: string, className: string, text?: string): HTMLElement {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

function duration(seconds: number | null): string {
  if (seconds === null || seconds === undefined) {
    return '';
  }
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}

export class InstructorPanel extends Widget {
  private assignments: IAssignment[] = [];
  private jobs = new Map<string, IJob>();
  private polling = 0;
  private readonly table = element('div', 'nn-autograder-assignments');
  private readonly jobList = element('div', 'nn-autograder-jobs');
  private readonly reportBox = element('div', 'nn-autograder-report');
  private readonly status = element('div', 'nn-autograder-message');

  constructor() {
    super();
    this.id = 'nn-autograder-instructor';
    this.title.label = 'Autograder';
    this.title.closable = true;
    this.addClass('nn-autograder-InstructorPanel');
    this.node.appendChild(element('h2', 'nn-autograder-title', 'Autograder: assignments'));
    this.node.appendChild(this.status);
    this.node.appendChild(this.table);
    this.node.appendChild(element('h3', 'nn-autograder-heading', 'Jobs'));
    this.node.appendChild(this.jobList);
    this.node.appendChild(this.reportBox);
    void this.refresh();
  }

  async refresh(): Promise<void> {
    try {
      const answer = await request<{ assignments: IAssignment[] }>('assignments');
      this.assignments = answer.assignments;
      this.status.textContent = '';
      this.renderTable();
    } catch (error) {
      this.status.textContent = `Could not read the course: ${error instanceof ApiError ? error.message : error}`;
    }
  }

  private renderTable(): void {
    const table = element('table', 'nn-autograder-table');
    const head = element('tr', '');
    for (const title of ['assignment', 'released', 'proof', 'submissions', 'graded', 'awaiting hand grading',
      'could not be graded', '']) {
      head.appendChild(element('th', '', title));
    }
    table.appendChild(head);
    for (const a of this.assignments) {
      const row = element('tr', 'nn-autograder-assignment');
      row.dataset.assignment = a.assignment;
      row.appendChild(element('td', 'nn-autograder-name', a.assignment));
      row.appendChild(element('td', '', a.released ? 'yes' : 'no'));
      row.appendChild(element('td', 'nn-autograder-proof', a.proof ?? 'not proven yet'));
      row.appendChild(element('td', '', String(a.submissions)));
      row.appendChild(element('td', '', String(a.graded)));
      row.appendChild(element('td', '', String(a.awaiting_hand_grading)));
      const failed = element('td', '', String(a.could_not_be_graded));
      failed.title = Object.entries(a.could_not_be_graded_why).map(([s, why]) => `${s}: ${why}`).join('\n');
      row.appendChild(failed);
      const actions = element('td', 'nn-autograder-actions');
      for (const command of Object.keys(COMMANDS)) {
        const button = element('button', 'jp-Button nn-autograder-action', command) as HTMLButtonElement;
        button.dataset.command = command;
        button.disabled = a.job !== null;
        button.addEventListener('click', () => void this.confirmAndStart(command, a.assignment));
        actions.appendChild(button);
      }
      if (a.report) {
        const show = element('button', 'jp-Button nn-autograder-show-report', 'show report') as HTMLButtonElement;
        show.addEventListener('click', () => void this.showReport(a.assignment));
        actions.appendChild(show);
      }
      row.appendChild(actions);
      table.appendChild(row);
    }
    this.table.replaceChildren(table);
  }

  private async confirmAndStart(command: string, assignment: string): Promise<void> {
    const result = await showDialog({
      title: `${command} ${assignment}?`,
      body: COMMANDS[command],
      buttons: [Dialog.cancelButton(), Dialog.okButton({ label: command })]
    });
    if (!result.button.accept) {
      return;
    }
    try {
      const job = await post<IJob>('jobs', { command, assignment });
      this.jobs.set(job.id, job);
      this.renderJobs();
      this.poll();
      void this.refresh();
    } catch (error) {
      this.status.textContent = `${command} ${assignment}: ${error instanceof ApiError ? error.message : error}`;
    }
  }

  private poll(): void {
    if (this.polling) {
      return;
    }
    this.polling = window.setInterval(async () => {
      const running = [...this.jobs.values()].filter(job => job.state === 'running');
      if (!running.length) {
        window.clearInterval(this.polling);
        this.polling = 0;
        return;
      }
      for (const job of running) {
        try {
          const now = await request<IJob>(`jobs/${job.id}`);
          this.jobs.set(now.id, now);
          if (now.state !== 'running') {
            void this.refresh();
            if (now.command === 'report' && now.state === 'succeeded') {
              void this.showReport(now.assignment);
            }
          }
        } catch {
          // the next tick asks again
        }
      }
      this.renderJobs();
    }, 1000);
  }

  private renderJobs(): void {
    const cards = [...this.jobs.values()].reverse().map(job => {
      const card = element('div', `nn-autograder-job nn-autograder-job-${job.state}`);
      card.dataset.job = job.id;
      card.dataset.state = job.state;
      card.appendChild(element('div', 'nn-autograder-job-title',
        `#${job.id} ${job.command} ${job.assignment}: ${job.state}` +
        (job.exit_status !== null ? ` (exit status ${job.exit_status})` : '') + ` after ${duration(job.elapsed)}`));
      const bar = element('progress', 'nn-autograder-bar') as HTMLProgressElement;
      if (job.total) {
        bar.max = job.total;
        bar.value = job.done ?? 0;
      } else if (job.state !== 'running') {
        bar.max = 1;
        bar.value = 1;
      } else {
        bar.removeAttribute('value'); // indeterminate until the command reports a total
      }
      card.appendChild(bar);
      const step = job.total
        ? `${job.step ?? ''}: ${job.done}/${job.total}` + (job.state === 'running' && job.eta !== null ? `, about ${duration(job.eta)} left` : '')
        : job.state === 'running' ? 'working…' : '';
      card.appendChild(element('div', 'nn-autograder-job-step', step));
      if (job.summary.length) {
        card.appendChild(element('pre', 'nn-autograder-job-summary', job.summary.join('\n')));
      }
      if (job.log.length) {
        const details = element('details', 'nn-autograder-job-log');
        details.appendChild(element('summary', '', `log (${job.log.length} lines)`));
        details.appendChild(element('pre', '', job.log.join('\n')));
        card.appendChild(details);
      }
      return card;
    });
    this.jobList.replaceChildren(...cards);
  }

  /** The class report in a frame with no permissions at all (no script, no same-origin access). */
  async showReport(assignment: string): Promise<void> {
    try {
      const settings = ServerConnection.makeSettings();
      const url = URLExt.join(settings.baseUrl, 'autograder', 'api', 'report', encodeURIComponent(assignment));
      const response = await ServerConnection.makeRequest(url, {}, settings);
      if (!response.ok) {
        throw new ApiError(response.status, (await response.json()).error);
      }
      const frame = document.createElement('iframe');
      frame.className = 'nn-autograder-report-frame';
      frame.setAttribute('sandbox', '');
      frame.title = `class report of ${assignment}`;
      frame.srcdoc = await response.text();
      const heading = element('h3', 'nn-autograder-heading', `Class report: ${assignment}`);
      this.reportBox.replaceChildren(heading, frame);
    } catch (error) {
      this.status.textContent = `Class report of ${assignment}: ${error instanceof ApiError ? error.message : error}`;
    }
  }

  dispose(): void {
    window.clearInterval(this.polling);
    super.dispose();
  }
}
