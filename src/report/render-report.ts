import { renderHtml } from './render-html.js';
import { renderMarkdown } from './render-markdown.js';
import type { Report, ReportFormat } from './report-schema.js';

/** Media types of the report formats. */
export const REPORT_CONTENT_TYPES: Readonly<Record<ReportFormat, string>> = Object.freeze({
  json: 'application/json; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  html: 'text/html; charset=utf-8',
});

/** Renders a report in one format (JSON is the document itself, indented). */
export function renderReport(r: Report, format: ReportFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(r, null, 2)}\n`;
    case 'md':
      return renderMarkdown(r);
    case 'html':
      return renderHtml(r);
  }
}
