// SPDX-License-Identifier: Apache-2.0
package dev.netlat.report;

import dev.netlat.report.TraceReport;
import java.util.ArrayList;
import java.util.List;

/**
 * What the HTML report shows of a directory of JSON reports: one {@link TestModel} per test in the order
 * {@link Reports#read} gives, the traced tests that were skipped, the budget totals for the header, and the files
 * that could not be read. The page's counterpart of {@link TestModel}, kept apart from {@link PageHtml} for the same
 * reason.
 */
record PageModel(List<TestModel> tests, List<SkippedTest> skipped, long budgets, long failedBudgets,
                 List<String> problems) {

    static PageModel of(RunResults results) {
        List<TraceReport> list = results.reports().reports();
        List<TestModel> tests = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            tests.add(TestModel.of(list.get(i), i));
        }
        Reports reports = results.reports();
        return new PageModel(tests, results.skipped(), reports.budgets(), reports.failedBudgets(), reports.problems());
    }
}
