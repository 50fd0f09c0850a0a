// The PostgreSQL JDBC driver against `shape serve`: connect, query a table with a parameter and a
// view, read timestamps and numbers with their Java types. Run as a single-file program:
//   java -cp /usr/share/java/postgresql.jar tests/java/Drivers.java PORT
import java.sql.*;
import java.time.OffsetDateTime;

public class Drivers {
    static void check(boolean ok, String what) {
        if (!ok) throw new AssertionError(what);
    }

    public static void main(String[] args) throws Exception {
        String url = "jdbc:postgresql://127.0.0.1:" + args[0] + "/shape?user=shape&connectTimeout=10";
        try (Connection conn = DriverManager.getConnection(url)) {
            DatabaseMetaData meta = conn.getMetaData();
            System.out.println("server " + meta.getDatabaseProductName() + " " + meta.getDatabaseProductVersion());

            // Extended protocol with a parameter (pgjdbc prepares server-side after 5 uses: run 6).
            for (int run = 0; run < 6; run++) {
                try (PreparedStatement st = conn.prepareStatement(
                        "SELECT component, count(*) AS n, min(ts) AS first, max(duration_ms) AS slowest "
                        + "FROM events WHERE component = ? GROUP BY component")) {
                    st.setString(1, "canvas");
                    try (ResultSet rs = st.executeQuery()) {
                        check(rs.next(), "a row for canvas");
                        check(rs.getString("component").equals("canvas"), "component");
                        check(rs.getLong("n") > 1000, "count " + rs.getLong("n"));
                        OffsetDateTime first = rs.getObject("first", OffsetDateTime.class);
                        check(first.getYear() == 2025 && first.getMonthValue() == 11, "first " + first);
                        Timestamp asTimestamp = rs.getTimestamp("first");
                        check(asTimestamp.toInstant().equals(first.toInstant()), "timestamp " + asTimestamp);
                        check(rs.getDouble("slowest") > 100.0, "slowest " + rs.getDouble("slowest"));
                        if (run == 0) System.out.println("jdbc canvas " + rs.getLong("n") + " first " + first);
                    }
                }
            }

            // A view with SLO math; column types as announced.
            try (Statement st = conn.createStatement();
                 ResultSet rs = st.executeQuery(
                     "SELECT slo_id, objective, budget_remaining, window_end FROM slo_status ORDER BY slo_id")) {
                ResultSetMetaData md = rs.getMetaData();
                check(md.getColumnType(2) == Types.DOUBLE, "objective is double precision: " + md.getColumnTypeName(2));
                check(md.getColumnTypeName(4).equals("timestamptz"), "window_end type " + md.getColumnTypeName(4));
                int rows = 0;
                while (rs.next()) {
                    rows++;
                    double objective = rs.getDouble("objective");
                    check(objective > 0.0 && objective <= 1.0, "objective " + objective);
                    check(rs.getObject("window_end", OffsetDateTime.class) != null, "window_end");
                }
                check(rows == 31, "31 SLOs, got " + rows);
            }

            // What DBeaver-like tools ask: the tables of the public schema.
            int tables = 0;
            try (ResultSet rs = meta.getTables(null, "public", "%", new String[] {"TABLE", "VIEW"})) {
                while (rs.next()) tables++;
            }
            System.out.println("jdbc metadata tables " + tables);
        }
        System.out.println("jdbc ok");
    }
}
