// The DatabaseMetaData calls DBeaver, DataGrip and Metabase make when they open a connection,
// and a server-side cursor read (setFetchSize) of a large result. Run as a single-file
// program: java -cp postgresql.jar Metadata.java PORT ROWS
import java.sql.*;

public class Metadata {
    static int count(ResultSet rs) throws SQLException {
        int n = 0;
        while (rs.next()) n++;
        rs.close();
        return n;
    }

    public static void main(String[] args) throws Exception {
        String url = "jdbc:postgresql://127.0.0.1:" + args[0] + "/shape?user=shape";
        long rows = Long.parseLong(args[1]);
        try (Connection c = DriverManager.getConnection(url)) {
            DatabaseMetaData md = c.getMetaData();
            System.out.println("product " + md.getDatabaseProductName() + " " + md.getDatabaseProductVersion()
                + " major " + md.getDatabaseMajorVersion());
            System.out.println("schemas " + count(md.getSchemas()));
            System.out.println("catalogs " + count(md.getCatalogs()));
            int tables = 0, views = 0;
            try (ResultSet rs = md.getTables(null, "public", "%", new String[] {"TABLE", "VIEW"})) {
                while (rs.next()) {
                    if ("VIEW".equals(rs.getString("TABLE_TYPE"))) views++; else tables++;
                }
            }
            System.out.println("tables " + tables + " views " + views);
            String eventsRemark = null;
            try (ResultSet rs = md.getTables(null, "public", "events", null)) {
                if (rs.next()) eventsRemark = rs.getString("REMARKS");
            }
            System.out.println("events remark " + eventsRemark);
            int columns = 0;
            String tsType = null, lineRemark = null;
            try (ResultSet rs = md.getColumns(null, "public", "events", "%")) {
                while (rs.next()) {
                    columns++;
                    if ("ts".equals(rs.getString("COLUMN_NAME"))) tsType = rs.getString("TYPE_NAME");
                    if ("_line".equals(rs.getString("COLUMN_NAME"))) lineRemark = rs.getString("REMARKS");
                }
            }
            System.out.println("events columns " + columns + " ts " + tsType + " _line remark " + lineRemark);
            System.out.println("primary keys " + count(md.getPrimaryKeys(null, "public", "events")));
            System.out.println("imported keys " + count(md.getImportedKeys(null, "public", "events")));
            System.out.println("index info " + count(md.getIndexInfo(null, "public", "events", false, true)));
            System.out.println("type info " + count(md.getTypeInfo()));
            System.out.println("functions " + count(md.getFunctions(null, "public", "shape%")));

            // A server-side cursor: autocommit off and a fetch size make pgjdbc use a portal
            // and fetch in steps (Execute with a row limit, PortalSuspended).
            c.setAutoCommit(false);
            long seen = 0, sum = 0;
            try (Statement st = c.createStatement()) {
                st.setFetchSize(1000);
                try (ResultSet rs = st.executeQuery("SELECT v FROM generate_series(1, " + rows + ") AS t(v)")) {
                    while (rs.next()) {
                        seen++;
                        sum += rs.getLong(1);
                    }
                }
            }
            c.commit();
            System.out.println("fetched " + seen + " sum " + sum);
        }
        System.out.println("metadata ok");
    }
}
