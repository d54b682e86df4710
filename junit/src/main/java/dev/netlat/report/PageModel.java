// SPDX-License-Identifier: Apache-2.0
package dev.netlat.report;

import dev.netlat.report.TraceReport;
import java.util.ArrayList;
import java.util.List;

/**
 * What the HTML report shows of a directory of JSON reports: one {@link TestModel} per test in the order
 * {@link Reports#read} gives, the budget totals for the header, and the files that could not be read. The page's
 * counterpart of {@link TestModel}, kept apart from {@link PageHtml} for the same reason.
 */
record PageModel(List<TestModel> tests, long budgets, long failedBudgets, List<String> problems) {

    static PageModel of(Reports reports) {
        List<TraceReport> list = reports.reports();
        List<TestModel> tests = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            tests.add(TestModel.of(list.get(i), i));
        }
        long budgets = list.stream().mapToLong(r -> r.budgets() == null ? 0 : r.budgets().size()).sum();
        long failed = list.stream().mapToLong(Reports::failedBudgets).sum();
        return new PageModel(tests, budgets, failed, reports.problems());
    }
}
